"""Turn units of engine events into bytes: Twitter API v2 pages and Mastodon status lines.

Rendering is a pure function of a :class:`Unit` (its events with their ids, plus the rows of
earlier posts it cites), so units can be rendered in worker processes in any order and the
bytes are the same as rendering them one after another. Reused objects (profiles, posts
cited by later posts) are serialised once and embedded with :class:`orjson.Fragment`.
"""

from __future__ import annotations

import html
from typing import Any, NamedTuple

import numpy as np
import orjson

from grapevine.simulate import _engine as E
from grapevine.simulate._people import HOME_INSTANCE, People
from grapevine.simulate._profiles import display_url, mastodon_account, mastodon_link_html, twitter_user
from grapevine.simulate._text import RenderedPools, Segment, compile_core, tco
from grapevine.simulate._vocab import AGENT_GREETING
from grapevine.simulate._world import BOT, Platform

__all__ = ["MastodonRenderer", "TwitterRenderer", "Unit", "iso_strings"]

_INITIALS = ("JS", "AK", "MR", "LT", "DP", "SN", "EB", "RW")
_FIELDS = ("author", "kind", "senti", "brand", "rnd", "turn", "target", "key", "parent", "n_rt", "n_reply",
           "n_quote", "likes", "n_ref", "via")  # fmt: skip
PAGE = 100


class Unit(NamedTuple):
    """A run of consecutive posts (a multiple of :data:`PAGE` except the last) and what they cite."""

    first_page: int  # pages written before this unit (Twitter page numbering)
    events: np.ndarray
    ids: np.ndarray
    parent_ids: np.ndarray
    root_ids: np.ndarray
    cited: np.ndarray  # rows of earlier units' posts cited here
    cited_ids: np.ndarray  # (n, 3): id, parent id, root id


def iso_strings(t: np.ndarray) -> list[str]:
    """ISO-8601 UTC strings with milliseconds for an int64 array of epoch milliseconds."""
    return [s + "Z" for s in np.datetime_as_string(t.astype("datetime64[ms]"), unit="ms").tolist()]


def _rows(events: np.ndarray) -> list[tuple[Any, ...]]:
    return list(zip(*(events[c].tolist() for c in _FIELDS), strict=True))


class _Renderer:
    """Shared by both platforms: sentence choice, greetings, profile cache."""

    def __init__(self, plat: Platform, people: People, pools: RenderedPools, expected: np.ndarray) -> None:
        self.plat, self.people, self.expected = plat, people, expected
        self.handle, self.ids = plat.handle, plat.ids
        self.support = plat.support.tolist()
        self.theme = plat.theme.tolist()
        self.is_bot = (plat.role == BOT).tolist()
        self._profiles: dict[int, orjson.Fragment] = {}
        c = self._compile
        self.brand_post = [{s: [c(x) for x in pool] for s, pool in d.items()} for d in pools.brand_post]
        self.brand_reply = [{s: [c(x) for x in pool] for s, pool in d.items()} for d in pools.brand_reply]
        self.chatter = [{s: [c(x) for x in pool] for s, pool in d.items()} for d in pools.chatter]
        self.chatter_reply = {s: [c(x) for x in pool] for s, pool in pools.chatter_reply.items()}
        self.quote = {s: [c(x) for x in pool] for s, pool in pools.quote.items()}
        self.promo = [[c(x) for x in pool] for pool in pools.promo]
        self.bot_promo = [[c(x) for x in pool] for pool in pools.bot_promo]
        self.complaint = [{s: [c(x) for x in pool] for s, pool in d.items()} for d in pools.complaint]
        self.care = [{E.STAGES.index(k): [c(x) for x in pool] for k, pool in d.items()} for d in pools.care]

    def _compile(self, segments: list[Segment]) -> Any:
        raise NotImplementedError

    def _profile_object(self, i: int) -> dict[str, Any]:
        raise NotImplementedError

    def profile(self, i: int) -> orjson.Fragment:
        frag = self._profiles.get(i)
        if frag is None:
            # orjson returns small documents in a 4 KiB buffer; keep an exact-size copy instead.
            data = memoryview(orjson.dumps(self._profile_object(i))).tobytes()
            frag = self._profiles[i] = orjson.Fragment(data)
        return frag

    def pick(self, kind: int, author: int, brand: int, senti: int, rnd: int, turn: int) -> Any:
        """The sentence of one post, from its kind, topic, sentiment and random bits."""
        if kind == E.POST:
            pool = self.brand_post[brand][senti] if brand >= 0 else self.chatter[self.theme[author]][senti]
        elif kind == E.REPLY:
            pool = self.brand_reply[brand][senti] if brand >= 0 else self.chatter_reply[senti]
        elif kind == E.QUOTE:
            pool = self.quote[senti]
        elif kind == E.PROMO:
            pool = self.bot_promo[brand] if self.is_bot[author] else self.promo[brand]
        elif kind == E.CARE_OPEN:
            pool = self.complaint[brand][-2 if senti <= -2 else -1]
        else:
            pool = self.care[brand][turn]
        return pool[rnd % len(pool)]

    def greeting(self, customer: int, rnd: int) -> str:
        p = int(self.plat.person[customer])
        first = self.people.first[p] if p >= 0 else "there"
        return AGENT_GREETING[(rnd >> 8) % len(AGENT_GREETING)].format(F=first)

    @staticmethod
    def signature(rnd: int) -> str:
        return " ^" + _INITIALS[(rnd >> 16) % len(_INITIALS)]


class TwitterRenderer(_Renderer):
    """Twitter API v2 search pages, :data:`PAGE` tweets each, as twarc2 writes them."""

    def __init__(self, plat: Platform, people: People, pools: RenderedPools, expected: np.ndarray,
                 retrieved_at: str) -> None:  # fmt: skip
        self._leads: dict[int, tuple[tuple[int, int, int], dict[str, Any]]] = {}
        self._prefix: dict[int, str] = {}
        super().__init__(plat, people, pools, expected)
        self._twarc = {
            "url": "https://api.twitter.com/2/tweets/search/all",
            "version": "2.14.0",
            "retrieved_at": retrieved_at,
        }

    def _compile(self, segments: list[Segment]) -> tuple[Any, ...]:
        plat = self.plat

        def mention(ref: tuple[str, int]) -> tuple[str, str, int] | None:
            a = int((plat.official if ref[0] == "brand" else plat.support)[ref[1]])
            return None if a < 0 else (f"@{plat.handle[a]}", "", a)

        core = compile_core(segments, mention, lambda tag: "", lambda url: (tco(url), ""))
        ent = self._entities(core.mentions, core.tags, core.urls, len(core.text))
        return (core.text, ent, core.mentions, core.tags, core.urls)

    def _profile_object(self, i: int) -> dict[str, Any]:
        return twitter_user(self.plat, i, self.people, self.expected)

    def _entities(self, mentions: Any, tags: Any, urls: Any, limit: int) -> dict[str, Any]:
        ent: dict[str, Any] = {}
        if mentions:
            ms = [
                {"start": s, "end": e, "username": self.handle[a], "id": self.ids[a]}
                for a, s, e in mentions
                if e <= limit
            ]
            if ms:
                ent["mentions"] = ms
        if tags:
            hs = [{"start": s, "end": e, "tag": tag} for tag, s, e in tags if e <= limit]
            if hs:
                ent["hashtags"] = hs
        if urls:
            us = [{"start": s, "end": e, "url": short, "expanded_url": exp, "display_url": display_url(exp)}
                  for short, exp, s, e in urls if e <= limit]  # fmt: skip
            if us:
                ent["urls"] = us
        return ent

    def _lead(self, a: int) -> tuple[tuple[int, int, int], dict[str, Any]]:
        """The leading ``@handle`` of a reply: its entity tuple and (shared, read-only) dict."""
        got = self._leads.get(a)
        if got is None:
            end = len(self.handle[a]) + 1
            got = self._leads[a] = (
                (a, 0, end),
                {"start": 0, "end": end, "username": self.handle[a], "id": self.ids[a]},
            )
        return got

    def _retweet_form(self, target: int, pid: str, cited: list[Any] | None) -> tuple[Any, ...]:
        """Text, entities, references and metrics shared by every retweet of one tweet."""
        prefix = f"RT @{self.handle[target]}: "
        text = prefix + (cited[1] if cited else "")
        limit = len(text)
        if limit > 140:
            text, limit = text[:139] + "…", 139
        shift = len(prefix)
        m, h, u = cited[2] if cited else ((), (), ())
        mentions = ((target, 3, shift - 2), *[(a, s + shift, e + shift) for a, s, e in m])
        tags = [(x, s + shift, e + shift) for x, s, e in h]
        urls = [(x, y, s + shift, e + shift) for x, y, s, e in u]
        ent = self._entities(mentions, tags, urls, limit)
        metrics = {
            "retweet_count": cited[3] if cited else 0,
            "reply_count": 0,
            "like_count": 0,
            "quote_count": 0,
        }
        return (text, ent, [{"type": "retweeted", "id": pid}], metrics, (mentions, (), ()))

    def tweet(self, row: tuple[Any, ...], created: str, tid: str, pid: str, rid: str,
              cited: list[Any] | None) -> tuple[dict[str, Any], str, tuple[Any, ...]]:  # fmt: skip
        """One tweet object, its text and its entity tuples (which retweets of it repeat).

        ``cited`` is the entry of the post this one cites: ``[fragment, text, entity tuples,
        retweet count, retweet form]``; the retweet form is filled on first use.
        """
        (
            author,
            kind,
            senti,
            brand,
            rnd,
            turn,
            target,
            _key,
            _parent,
            n_rt,
            n_reply,
            n_quote,
            likes,
            _ref,
            via,
        ) = row
        refs = None
        conv = tid
        if kind == E.REPOST:
            form = cited[4] if cited else None
            if form is None:
                form = self._retweet_form(target, pid, cited)
                if cited:
                    cited[4] = form
            text, ent, refs, metrics, own = form
        else:
            core_text, ent, mentions, tags, urls = self.pick(kind, author, brand, senti, rnd, turn)
            if kind == E.POST or kind == E.PROMO or kind == E.QUOTE:
                text = core_text
            else:
                lead, lead_dict = self._lead(target)
                prefix = self._prefix.get(target) or self._prefix.setdefault(
                    target, f"@{self.handle[target]} "
                )
                if kind == E.CARE_AGENT:
                    prefix += self.greeting(target, rnd)
                text = prefix + core_text
                if not ent:
                    ent = {"mentions": [lead_dict]}
                    mentions = (lead,)
                else:
                    shift = len(prefix)
                    mentions = (lead, *[(a, s + shift, e + shift) for a, s, e in mentions])
                    tags = tuple((x, s + shift, e + shift) for x, s, e in tags)
                    urls = tuple((x, y, s + shift, e + shift) for x, y, s, e in urls)
                    ent = None  # rebuilt below
                if kind != E.CARE_OPEN:
                    refs = [{"type": "replied_to", "id": pid}]
                    conv = rid
            if kind == E.CARE_AGENT:
                text += self.signature(rnd)
            elif kind == E.QUOTE:
                link = f"https://twitter.com/{self.handle[target]}/status/{pid}"
                short = tco(link)
                text = f"{text} {short}"
                urls = (*urls, (short, link, len(text) - len(short), len(text)))
                refs = [{"type": "quoted", "id": pid}]
                ent = None
            if ent is None:
                ent = self._entities(mentions, tags, urls, len(text))
            own = (mentions, tags, urls)
            metrics = {
                "retweet_count": n_rt,
                "reply_count": n_reply,
                "like_count": likes,
                "quote_count": n_quote,
            }
        tweet: dict[str, Any] = {
            "id": tid,
            "text": text,
            "author_id": self.ids[author],
            "created_at": created,
            "conversation_id": conv,
            "lang": "en",
            "edit_history_tweet_ids": [tid],
            "possibly_sensitive": False,
            "reply_settings": "everyone",
            "public_metrics": metrics,
        }
        if ent:
            tweet["entities"] = ent
        if refs:
            tweet["referenced_tweets"] = refs
        if kind == E.REPLY or kind == E.CARE_AGENT or kind == E.CARE_CUSTOMER:
            # Care turns address the other party but may answer their own previous turn.
            tweet["in_reply_to_user_id"] = self.ids[target if kind == E.REPLY else via]
        return tweet, text, own

    def render(self, unit: Unit) -> bytes:
        """The unit as JSON Lines of API pages."""
        ev = unit.events
        created = iso_strings(ev["t"])
        ids = [str(x) for x in unit.ids.tolist()]
        pids = [str(x) for x in unit.parent_ids.tolist()]
        rids = [str(x) for x in unit.root_ids.tolist()]
        context = self._context(unit)
        # key -> [fragment, text, entity tuples, retweet count, retweet form] of posts cited later
        local: dict[int, list[Any]] = {}
        lines: list[bytes] = []
        page: list[Any] = []
        users: dict[int, orjson.Fragment] = {}
        tweets: dict[str, orjson.Fragment] = {}
        oldest = ""
        profile = self.profile
        page_no = unit.first_page
        for j, row in enumerate(_rows(ev)):
            author, target, key, parent, n_ref = row[0], row[6], row[7], row[8], row[13]
            cited = None
            if parent >= 0:
                cited = local.get(parent) or context.get(parent)
                if cited is not None:
                    tweets[pids[j]] = cited[0]
            tweet, text, own = self.tweet(row, created[j], ids[j], pids[j], rids[j], cited)
            if n_ref > 0:
                frag = orjson.Fragment(orjson.dumps(tweet))
                local[key] = [frag, text, own, row[9], None]
                page.append(frag)
            else:
                page.append(tweet)
            if author not in users:
                users[author] = profile(author)
            if target >= 0 and target not in users:
                users[target] = profile(target)
            for a, _s, _e in own[0]:
                if a not in users:
                    users[a] = profile(a)
            if not oldest:
                oldest = ids[j]
            if len(page) == PAGE or j == len(ev) - 1:
                page_no += 1
                includes: dict[str, Any] = {"users": list(users.values())}
                if tweets:
                    includes["tweets"] = list(tweets.values())
                doc = {
                    "data": page,
                    "includes": includes,
                    "meta": {
                        "newest_id": ids[j],
                        "oldest_id": oldest,
                        "result_count": len(page),
                        "next_token": f"b26v89c19zqg8o3f{page_no:08x}",
                    },
                    "__twarc": self._twarc,
                }
                lines.append(orjson.dumps(doc))
                page, users, tweets, oldest = [], {}, {}, ""
        lines.append(b"")
        return b"\n".join(lines)

    def _context(self, unit: Unit) -> dict[int, list[Any]]:
        """Render the cited posts of earlier units the same way they were rendered there."""
        out: dict[int, list[Any]] = {}
        if not len(unit.cited):
            return out
        created = iso_strings(unit.cited["t"])
        for row, when, (tid, pid, rid) in zip(
            _rows(unit.cited), created, unit.cited_ids.tolist(), strict=True
        ):
            tweet, text, own = self.tweet(row, when, str(tid), str(pid), str(rid), None)
            out[row[7]] = [orjson.Fragment(orjson.dumps(tweet)), text, own, row[9], None]
        return out


class MastodonRenderer(_Renderer):
    """Mastodon REST Status objects, one per line."""

    def __init__(self, plat: Platform, people: People, pools: RenderedPools, expected: np.ndarray) -> None:
        self.instance = plat.instance
        self._mention_html: dict[int, str] = {}
        self._mention_obj: dict[int, dict[str, str]] = {}
        super().__init__(plat, people, pools, expected)

    def mention_html(self, a: int) -> str:
        got = self._mention_html.get(a)
        if got is None:
            url = html.escape(f"https://{self.instance[a]}/@{self.handle[a]}")
            got = self._mention_html[a] = (
                f'<span class="h-card" translate="no"><a href="{url}" class="u-url mention">'
                f"@<span>{html.escape(self.handle[a])}</span></a></span>"
            )
        return got

    def mention_obj(self, a: int) -> dict[str, str]:
        got = self._mention_obj.get(a)
        if got is None:
            got = self._mention_obj[a] = {"id": self.ids[a], "username": self.handle[a],
                                          "url": f"https://{self.instance[a]}/@{self.handle[a]}",
                                          "acct": self.plat.acct[a]}  # fmt: skip
        return got

    def _compile(self, segments: list[Segment]) -> tuple[Any, ...]:
        plat = self.plat

        def mention(ref: tuple[str, int]) -> tuple[str, str, int] | None:
            a = int((plat.official if ref[0] == "brand" else plat.support)[ref[1]])
            return None if a < 0 else (f"@{plat.handle[a]}", self.mention_html(a), a)

        def tag_html(tag: str) -> str:
            return f'<a href="https://{HOME_INSTANCE}/tags/{tag.lower()}" class="mention hashtag" rel="tag">#<span>{tag}</span></a>'

        core = compile_core(segments, mention, tag_html, lambda url: (url, mastodon_link_html(url)))
        tags = [
            {"name": t.lower(), "url": f"https://{HOME_INSTANCE}/tags/{t.lower()}"} for t, _s, _e in core.tags
        ]
        return (core.html, tuple(self.mention_obj(a) for a, _s, _e in core.mentions), tags)

    def _profile_object(self, i: int) -> dict[str, Any]:
        return mastodon_account(self.plat, i, self.people, self.expected)

    def status(self, row: tuple[Any, ...], created: str, sid: str, pid: str,
               cited: orjson.Fragment | None) -> dict[str, Any]:  # fmt: skip
        """One status object (a boost when the row is a repost)."""
        author, kind, senti, brand, rnd, turn, target, _key, _parent, n_rt, n_reply, _q, likes, _ref, via = (
            row
        )
        base = f"https://{self.instance[author]}"
        user = self.handle[author]
        if kind == E.REPOST:
            uri = f"{base}/users/{user}/statuses/{sid}/activity"
            return {
                "id": sid, "created_at": created, "in_reply_to_id": None, "in_reply_to_account_id": None,
                "sensitive": False, "spoiler_text": "", "visibility": "public", "language": None, "uri": uri,
                "url": uri, "replies_count": 0, "reblogs_count": 0, "favourites_count": 0, "edited_at": None,
                "content": "", "reblog": cited, "account": self.profile(author), "media_attachments": [],
                "mentions": [], "tags": [], "emojis": [], "card": None, "poll": None,
            }  # fmt: skip
        body, mentions, tags = self.pick(kind, author, brand, senti, rnd, turn)
        reply = kind == E.REPLY or kind == E.CARE_AGENT or kind == E.CARE_CUSTOMER
        if reply or kind == E.CARE_OPEN:
            head = self.mention_html(target) + " "
            if kind == E.CARE_AGENT:
                head += html.escape(self.greeting(target, rnd))
            body = head + body
            mentions = (self.mention_obj(target), *mentions)
        if kind == E.CARE_AGENT:
            body += self.signature(rnd)
        elif kind == E.QUOTE:
            body += " " + mastodon_link_html(f"https://{self.instance[target]}/@{self.handle[target]}/{pid}")
        return {
            "id": sid, "created_at": created, "in_reply_to_id": pid if reply else None,
            "in_reply_to_account_id": self.ids[target if kind == E.REPLY else via] if reply else None,
            "sensitive": False, "spoiler_text": "",
            "visibility": "public", "language": "en", "uri": f"{base}/users/{user}/statuses/{sid}",
            "url": f"{base}/@{user}/{sid}", "replies_count": n_reply, "reblogs_count": n_rt,
            "favourites_count": likes, "edited_at": None, "content": f"<p>{body}</p>", "reblog": None,
            "account": self.profile(author), "media_attachments": [], "mentions": list(mentions), "tags": tags,
            "emojis": [], "card": None, "poll": None,
        }  # fmt: skip

    def render(self, unit: Unit) -> bytes:
        """The unit as JSON Lines, one status per line."""
        ev = unit.events
        created = iso_strings(ev["t"])
        ids = [str(x) for x in unit.ids.tolist()]
        pids = [str(x) for x in unit.parent_ids.tolist()]
        context: dict[int, orjson.Fragment] = {}
        if len(unit.cited):
            ctx_created = iso_strings(unit.cited["t"])
            for row, when, (sid, pid, _rid) in zip(
                _rows(unit.cited), ctx_created, unit.cited_ids.tolist(), strict=True
            ):
                context[row[7]] = orjson.Fragment(
                    orjson.dumps(self.status(row, when, str(sid), str(pid), None))
                )
        lines = []
        for j, row in enumerate(_rows(ev)):
            parent = row[8]
            cited = (context.get(parent) if parent >= 0 else None) if row[1] == E.REPOST else None
            data = orjson.dumps(self.status(row, created[j], ids[j], pids[j], cited))
            if row[13] > 0:
                context[row[7]] = orjson.Fragment(data)
            lines.append(data)
        lines.append(b"")
        return b"\n".join(lines)
