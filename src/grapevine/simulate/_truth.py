"""Ground truth written next to the posts, for evaluating what later analyses recover.

Streamed while posts are written (one short CSV line per repost, per deliberately missing
parent, and per labelled post up to a cap), the rest written once at the end from the
people table, the platforms and the engines' records.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

import numpy as np

from grapevine.simulate import _engine as E
from grapevine.simulate._people import People
from grapevine.simulate._vocab import BRANDS, THEMES
from grapevine.simulate._world import ROLE_NAMES, Platform

__all__ = ["EMOTIONS", "Truth"]

EMOTIONS = {-2: "anger", -1: "sadness", 0: "neutral", 1: "joy", 2: "joy"}


class Truth:
    """Collects ground truth for one world under ``OUT/truth``."""

    def __init__(self, out: Path, label_cap: int) -> None:
        self.folder = out / "truth"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.label_cap = label_cap
        self.engines: dict[str, E.Engine] = {}
        self._labels_left: dict[str, int] = {}
        self._cascades = self._open("cascades.csv", "platform,repost_id,original_id,reposter_id,via_id,depth")
        self._missing = self._open(
            "missing_parents.csv", "platform,post_id,missing_parent_id,parent_author_id"
        )
        self._labels = self._open(
            "labels.csv", "platform,post_id,author_id,kind,brand,sentiment,emotion,care_stage"
        )

    def _open(self, name: str, header: str) -> IO[str]:
        handle = open(self.folder / name, "w", encoding="utf-8", newline="")  # noqa: SIM115 - closed in close()
        handle.write(header + "\n")
        return handle

    def observe(self, plat: Platform, batch: E.Batch) -> None:
        """Record what one emitted batch reveals, in emission order."""
        ev, name, acc = batch.events, plat.name, plat.ids
        ids = batch.ids
        kind = ev["kind"]
        reposts = np.flatnonzero(kind == E.REPOST)
        if len(reposts):
            rows = zip(ids[reposts].tolist(), batch.parent_ids[reposts].tolist(), ev["author"][reposts].tolist(),
                       ev["via"][reposts].tolist(), ev["depth"][reposts].tolist(), strict=True)  # fmt: skip
            self._cascades.write("".join(f"{name},{i},{p},{acc[a]},{acc[v]},{d}\n" for i, p, a, v, d in rows))
        missing = np.flatnonzero(ev["parent"] == E.MISSING)
        for i in missing.tolist():
            self._missing.write(f"{name},{ids[i]},{batch.parent_ids[i]},{acc[int(ev['via'][i])]}\n")
        engine = self.engines.get(name)
        if engine is not None:
            threads = np.flatnonzero(ev["thread"] >= 0)
            for i in threads.tolist():
                thread = engine.threads[int(ev["thread"][i])]
                thread.emitted += 1
                if kind[i] == E.CARE_OPEN:
                    thread.root_id = str(ids[i])
            keys = ev["key"]
            for burst in engine.bursts:
                if (
                    burst.client_key >= 0
                    and not burst.client_post_id
                    and keys.min() <= burst.client_key <= keys.max()
                ):
                    hit = np.flatnonzero(keys == burst.client_key)
                    if len(hit):
                        burst.client_post_id = str(ids[int(hit[0])])
        left = self._labels_left.setdefault(name, self.label_cap)
        if left > 0:
            labelled = np.flatnonzero(kind != E.REPOST)[:left]
            self._labels_left[name] = left - len(labelled)
            lines = []
            for i in labelled.tolist():
                k, b, s = int(kind[i]), int(ev["brand"][i]), int(ev["senti"][i])
                stage = E.STAGES[int(ev["turn"][i])] if k in (E.CARE_AGENT, E.CARE_CUSTOMER) else ""
                brand = BRANDS[b].key if b >= 0 else ""
                emotion = "anger" if stage == "escalate3" else EMOTIONS[s]
                lines.append(
                    f"{name},{ids[i]},{acc[int(ev['author'][i])]},{E.KIND_NAMES[k]},{brand},{s},{emotion},{stage}\n"
                )
            self._labels.write("".join(lines))

    def finish(self, people: People, platforms: dict[str, Platform], incidents: list[E.Incident]) -> None:
        """Close the streams and write the tables known up front."""
        for handle in (self._cascades, self._missing, self._labels):
            handle.close()
        tw, md = platforms["twitter"], platforms["mastodon"]
        tw_of, md_of = tw.account_index_of_person(), md.account_index_of_person()

        def acc(plat: Platform, index: np.ndarray, p: int, field: str) -> str:
            i = int(index[p]) if p < len(index) else -1
            if i < 0:
                return ""
            return plat.ids[i] if field == "id" else plat.acct[i]

        rows: list[list[Any]] = []
        for p in range(people.n):
            feed = f"blogs/{blog_slug(people.website[p])}.xml" if people.blog[p] and people.website[p] else ""
            rows.append([f"p{p:06d}", people.name(p), int(people.community[p]), THEMES[int(people.theme[p])].name,
                         acc(tw, tw_of, p, "id"), acc(tw, tw_of, p, "acct"), acc(md, md_of, p, "id"),
                         _full_acct(md, md_of, p), people.website[p], feed, people.email[p], people.phone[p],
                         int(people.crosslinked[p]), int(people.f4f[p])])  # fmt: skip
        self._csv("people.csv", ["person_id", "name", "community", "theme", "twitter_id", "twitter_username",
                                 "mastodon_id", "mastodon_acct", "website", "blog_feed", "email", "phone",
                                 "crosslinked", "f4f"], rows)  # fmt: skip
        self._csv("opinions.csv", ["person_id", "brand", "opinion"],
                  [[f"p{p:06d}", b.key, f"{float(people.opinion[p, k]):.3f}"]
                   for p in range(people.n) for k, b in enumerate(BRANDS)])  # fmt: skip
        rows = []
        for plat in platforms.values():
            net_of = {int(a): k for k, net in enumerate(plat.bot_nets) for a in net.bots.tolist()}
            for i in range(plat.n):
                p, b = int(plat.person[i]), int(plat.brand[i])
                rows.append([plat.name, plat.ids[i], plat.acct[i], ROLE_NAMES[int(plat.role[i])],
                             f"p{p:06d}" if p >= 0 else "", BRANDS[b].key if b >= 0 else "",
                             int(plat.graph.in_degree[i]), int(plat.graph.out_degree[i]), net_of.get(i, "")])  # fmt: skip
        self._csv("accounts.csv", ["platform", "account_id", "handle", "role", "person_id", "brand", "followers",
                                   "following", "bot_net"], rows)  # fmt: skip
        rows = []
        for k, spec in enumerate(BRANDS):
            row: list[Any] = [spec.key, spec.name, spec.site]
            for plat in platforms.values():
                for index in (plat.official[k], plat.support[k]):
                    row += [plat.ids[index], plat.acct[index]] if index >= 0 else ["", ""]
            rows.append(row)
        self._csv("brands.csv", ["brand", "name", "site", "twitter_id", "twitter_handle", "twitter_support_id",
                                 "twitter_support_handle", "mastodon_id", "mastodon_acct", "mastodon_support_id",
                                 "mastodon_support_acct"], rows)  # fmt: skip
        theme_rows = [[c, THEMES[int(t)].name, int((people.community == c).sum())]
                      for c, t in enumerate(people.theme_of_community.tolist())]  # fmt: skip
        self._csv("communities.csv", ["community", "theme", "people"], theme_rows)
        rows = []
        for name, engine in self.engines.items():
            plat = platforms[name]
            for th in engine.threads:
                if th.emitted:
                    rows.append([name, th.root_id, plat.ids[th.customer], BRANDS[th.brand].key, plat.ids[th.support],
                                 th.outcome, len(th.stages) + 1, th.emitted, " ".join(["open", *th.stages]),
                                 " ".join(str(s) for s in th.sentiments)])  # fmt: skip
        self._csv("care_threads.csv", ["platform", "conversation_id", "customer_id", "brand", "support_id", "outcome",
                                       "turns", "turns_emitted", "stages", "sentiments"], rows)  # fmt: skip
        self._csv("incidents.csv", ["brand", "start_ms", "end_ms"],
                  [[BRANDS[i.brand].key, i.start_ms, i.end_ms] for i in incidents])  # fmt: skip
        rows = []
        for name, engine in self.engines.items():
            plat = platforms[name]
            for burst in engine.bursts:
                if burst.client_post_id:
                    net = plat.bot_nets[burst.net]
                    rows.append([name, burst.net, plat.ids[net.client], burst.client_post_id, burst.t,
                                 burst.reposts, burst.spam])  # fmt: skip
        self._csv("bursts.csv", ["platform", "bot_net", "client_id", "client_post_id", "time_ms", "reposts",
                                 "spam_posts"], rows)  # fmt: skip

    def _csv(self, name: str, header: list[str], rows: list[list[Any]]) -> None:
        with open(self.folder / name, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)


def _full_acct(plat: Platform, index: np.ndarray, p: int) -> str:
    i = int(index[p]) if p < len(index) else -1
    return f"{plat.handle[i]}@{plat.instance[i]}" if i >= 0 else ""


def blog_slug(website: str) -> str:
    """File stem of a blog's feed: its website host with dots as dashes."""
    return website.split("://", 1)[-1].strip("/").replace(".", "-").replace("/", "-")
