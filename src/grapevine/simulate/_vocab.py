"""Words the simulated world is made of: brands, community themes, names and sentence templates.

Pure data. Templates use slots that :mod:`grapevine.simulate._text` fills:
``{B}`` brand reference (mention, name or hashtag), ``{P}`` product, ``{X}`` problem
(``{XC}`` capitalised), ``{N}`` a small number, ``{E}`` an emoji for the sentiment, ``{T}`` a
community noun, ``{H}`` a community hashtag. Sentiment classes are
``-2`` angry, ``-1`` negative, ``0`` neutral, ``1`` positive, ``2`` enthusiastic.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["BRANDS", "FIRST_NAMES", "LAST_NAMES", "THEMES", "Brand", "Theme"]


@dataclass(frozen=True, slots=True)
class Brand:
    key: str
    name: str
    handle: str  # official account
    support: str  # customer-care account
    site: str
    hashtag: str
    products: tuple[str, ...]
    problems: tuple[str, ...]
    fixes: tuple[str, ...]
    detail: str  # what the agent asks for in a DM
    on_mastodon: bool


@dataclass(frozen=True, slots=True)
class Theme:
    name: str
    nouns: tuple[str, ...]
    hashtags: tuple[str, ...]
    bio: tuple[str, ...]
    brand_affinity: dict[str, float]


BRANDS: tuple[Brand, ...] = (
    Brand(
        "acme", "Acme Mobile", "AcmeMobile", "AcmeSupport", "acmemobile.example", "AcmeMobile",
        ("5G plan", "unlimited data plan", "Acme X2 phone", "home fiber", "family plan", "prepaid SIM",
         "eSIM", "new router"),
        ("no signal at home", "calls keep dropping", "I got billed twice this month",
         "my internet has been down since this morning", "there are roaming charges I never agreed to",
         "the fiber technician never showed up", "data speeds are crawling", "my number port is stuck"),
        ("reset your line", "refunded the duplicate charge", "rescheduled the install for tomorrow",
         "pushed a network fix in your area", "removed the roaming charges"),
        "account number", True,
    ),
    Brand(
        "northwind", "Northwind Airlines", "NorthwindAir", "NorthwindHelp", "northwind-air.example",
        "FlyNorthwind",
        ("flight to Denver", "red-eye to Boston", "airport lounge", "mobile app", "extra legroom seat",
         "loyalty program", "window seat upgrade"),
        ("my flight is delayed 4 hours", "they lost my bag", "my flight got cancelled with no rebooking",
         "I got bumped from my flight", "the app won't let me check in", "my refund never arrived",
         "the gate agent was incredibly rude"),
        ("located your bag and it's on the way", "rebooked you on the next flight",
         "processed your refund", "added the missing miles to your account"),
        "booking reference", True,
    ),
    Brand(
        "globex", "Globex Bank", "GlobexBank", "GlobexCares", "globexbank.example", "GlobexBank",
        ("credit card", "mobile banking app", "savings account", "mortgage offer", "debit card",
         "cashback card"),
        ("my card got declined at the store", "the app keeps crashing on login",
         "a fraud alert froze my account", "my transfer has been stuck for days",
         "there's a fee I don't recognise", "I can't reset my password"),
        ("unfrozen your card", "reversed the fee", "released the transfer", "reset your online access"),
        "full name and the last 4 digits of your card", False,
    ),
    Brand(
        "initech", "Initech Cloud", "InitechCloud", "InitechHelp", "initech.example", "InitechCloud",
        ("cloud storage plan", "sync app", "photo backup", "team workspace", "password manager"),
        ("sync has been broken all week", "a whole folder of my files disappeared",
         "the service is down again", "I got charged after cancelling", "uploads keep failing"),
        ("restored your files from a backup", "fixed the sync issue on our side", "refunded the charge",
         "cleared the stuck uploads"),
        "account email", True,
    ),
    Brand(
        "umbrella", "Umbrella Coffee", "UmbrellaCoffee", "UmbrellaCares", "umbrellacoffee.example",
        "UmbrellaCoffee",
        ("oat latte", "cold brew", "rewards app", "pumpkin spice latte", "breakfast sandwich",
         "seasonal menu"),
        ("my mobile order was wrong again", "my rewards points vanished", "the app charged me twice",
         "I waited 25 minutes for one coffee", "the store was closed during posted hours"),
        ("restored your points", "refunded the double charge", "added a free drink to your account",
         "passed this on to the store manager"),
        "order number", False,
    ),
)  # fmt: skip

THEMES: tuple[Theme, ...] = (
    Theme("tech", ("open source", "the new laptop", "Rust", "home lab", "self-hosting", "AI tools"),
          ("tech", "opensource", "devlife", "homelab"), ("Software engineer.", "Building things on the web.",
          "Breaking prod since 2012."), {"initech": 1.0, "acme": 0.6, "globex": 0.2}),
    Theme("fitness", ("marathon training", "leg day", "trail running", "yoga", "my morning run"),
          ("running", "fitness", "marathon", "yoga"), ("Runner.", "Coach and trail lover.",
          "Training for my first marathon."), {"umbrella": 0.7, "acme": 0.4}),
    Theme("food", ("sourdough", "ramen", "meal prep", "brunch", "the farmers market"),
          ("foodie", "baking", "brunch", "homecooking"), ("Home cook.", "Eating my way through the city.",
          "Sourdough evangelist."), {"umbrella": 1.0, "globex": 0.2}),
    Theme("travel", ("Lisbon", "backpacking", "travel hacks", "road trips", "the Alps"),
          ("travel", "wanderlust", "travelgram", "digitalnomad"), ("Travel writer.", "32 countries and counting.",
          "Always packing."), {"northwind": 1.0, "acme": 0.5, "globex": 0.3}),
    Theme("gaming", ("the new RPG", "speedruns", "retro consoles", "co-op games", "esports"),
          ("gaming", "gamer", "esports", "retrogaming"), ("Gamer.", "Streaming on weekends.",
          "Retro games collector."), {"acme": 0.8, "initech": 0.5}),
    Theme("music", ("vinyl", "live shows", "the new album", "guitar practice", "jazz"),
          ("music", "vinyl", "livemusic", "nowplaying"), ("Musician.", "Vinyl collector.",
          "Gig every weekend."), {"umbrella": 0.5, "northwind": 0.4}),
    Theme("parenting", ("school runs", "toddler naps", "family weekends", "homework", "the playground"),
          ("parenting", "momlife", "dadlife", "familytime"), ("Parent of two.", "Tired parent.",
          "Raising tiny humans."), {"acme": 0.7, "globex": 0.6, "umbrella": 0.5}),
    Theme("finance", ("index funds", "budgeting", "the housing market", "interest rates", "saving"),
          ("personalfinance", "investing", "money", "fire"), ("Personal finance nerd.", "Saving and investing.",
          "Spreadsheets are my love language."), {"globex": 1.0, "initech": 0.3}),
    Theme("sports", ("the derby", "match day", "the playoffs", "fantasy football", "the transfer window"),
          ("football", "matchday", "nba", "sports"), ("Sports fan.", "Season ticket holder.",
          "Lives for match day."), {"northwind": 0.5, "acme": 0.5}),
    Theme("books", ("my reading list", "sci-fi novels", "the book club", "poetry", "the library"),
          ("books", "amreading", "bookclub", "booktok"), ("Reader.", "Librarian.",
          "Always three books deep."), {"umbrella": 0.8, "initech": 0.2}),
    Theme("photography", ("golden hour", "film cameras", "street photography", "the new lens", "editing"),
          ("photography", "filmphotography", "streetphoto", "photooftheday"), ("Photographer.",
          "Shooting film.", "Chasing light."), {"initech": 0.7, "northwind": 0.5}),
    Theme("climate", ("bike commuting", "solar panels", "heat pumps", "community gardens", "recycling"),
          ("climate", "sustainability", "cycling", "zerowaste"), ("Climate nerd.", "Cyclist.",
          "Growing tomatoes."), {"northwind": 0.4, "globex": 0.4}),
)  # fmt: skip

FIRST_NAMES = (  # noqa: SIM905 - a word list reads better as text
    "Ava Liam Olivia Noah Emma Elijah Sophia Mateo Amelia Lucas Mia Levi Harper Ezra Luna Aiden "
    "Zoe Kai Nora Omar Priya Arjun Mei Hiro Yuki Chen Wei Fatima Amir Leila Sofia Diego Camila "
    "Javier Lucia Marco Giulia Hannah Jonas Lena Felix Ingrid Lars Freya Anna Piotr Olga Ivan "
    "Aisha Kwame Amara Tunde Zainab Chidi Nia Malik Jamal Keisha Rosa Carlos Ana Pedro Maria "
    "Sam Alex Jordan Taylor Riley Casey Morgan Jamie Quinn Drew Robin Sasha Kim Lee Dana Jesse "
    "Grace Henry Julia Owen Chloe Ethan Ruby Isaac Alice Leo Maya Adam Sara Daniel Laura Victor "
    "Elena Tomas Irene Paul Nina Oscar Clara Hugo Ines Theo Ada Ben Iris Max Eva Finn Lily"
).split()

LAST_NAMES = (  # noqa: SIM905
    "Smith Johnson Garcia Martinez Lee Kim Nguyen Chen Patel Shah Singh Khan Ali Okafor Mensah "
    "Adeyemi Silva Santos Costa Rossi Bianchi Muller Schmidt Weber Novak Kowalski Ivanova Petrov "
    "Larsen Hansen Berg Lund Dubois Martin Bernard Moreau Lopez Gonzalez Hernandez Perez Torres "
    "Ramirez Flores Rivera Brown Wilson Taylor Davies Evans Thomas Walker Wright Green Hall Young "
    "King Scott Adams Baker Nelson Carter Mitchell Roberts Turner Phillips Campbell Parker Collins "
    "Stewart Morris Murphy Cook Rogers Reed Bailey Cooper Howard Ward Cox Diaz Richardson Wood "
    "Watson Brooks Bennett Gray James Hughes Price Sanders Myers Long Ross Foster Tanaka Sato "
    "Suzuki Takahashi Watanabe Yamamoto Park Choi Jung Kang Wang Zhang Liu Yang Huang Zhao"
).split()

EMOJI = {
    -2: ("😡", "🤬", "😤", ""),
    -1: ("😕", "🙄", "😞", ""),
    0: ("🤔", "", "", ""),
    1: ("🙂", "👍", "", ""),
    2: ("😍", "🙌", "❤️", "🔥"),
}

BRAND_POST: dict[int, tuple[str, ...]] = {
    2: (
        "Absolutely love my {P} from {B}! {E}",
        "{B} just keeps getting better. The {P} is fantastic!",
        "Shoutout to {B}, best {P} I've had, hands down. {E}",
        "Big thanks to {B}, the {P} is amazing {E}",
        "Been with {B} for {N} years and they never disappoint!",
        "Wow, {B} nailed it with the {P}. So impressed! {E}",
        "Honestly the {P} from {B} made my week. Brilliant service!",
        "Can't recommend {B} enough. The {P} is perfect {E}",
    ),
    1: (
        "Pretty happy with the {P} from {B} so far.",
        "The {P} from {B} works well for me, no complaints.",
        "Good experience with {B} today, the {P} was easy to set up.",
        "Not bad at all, {B}. The {P} is solid. {E}",
        "Switched to the {P} from {B} and it's been nice.",
        "{B} support was helpful today, thanks for sorting my {P}.",
        "Quietly impressed with the {P} from {B}.",
    ),
    0: (
        "Anyone tried the {P} from {B}?",
        "Thinking about getting the {P} from {B}. Thoughts?",
        "{B} announced changes to the {P} today.",
        "Comparing the {P} from {B} with the alternatives {E}",
        "Is the {P} from {B} available in my area yet?",
        "Just saw an ad for the {P} from {B}.",
        "Does the {P} from {B} come with a contract?",
    ),
    -1: (
        "Kind of disappointed with {B} lately, {X}. {E}",
        "Not impressed, {B}. {XC}.",
        "Meh. The {P} from {B} isn't what it used to be.",
        "{B}, {X}. Not great.",
        "Thinking of leaving {B}, {X}.",
        "Great, {X}. Thanks a lot {B}. {E}",
        "The {P} from {B} is overpriced and slow. Sad.",
    ),
    -2: (
        "{B} is the WORST. {XC} and nobody cares! {E}",
        "Absolutely furious with {B}. {XC}. Unacceptable!!",
        "Never again, {B}. {XC}, {N} times now. {E}",
        "How is {B} still in business? {XC}. Ridiculous.",
        "Done with {B}. {XC}. Worst service ever. {E}",
        "I am so angry right now. {XC}. Shame on you {B}!",
        "Terrible, terrible {P}. {B} should be ashamed. {E}",
    ),
}

BRAND_REPLY: dict[int, tuple[str, ...]] = {
    2: ("Same here, {B} has been amazing for me! {E}", "Agreed! Love my {P}.", "100%! {B} is the best.",
        "Yes!! The {P} is so good {E}"),
    1: ("Same, my {P} has been fine.", "Good to hear, {B} has been decent for me too.",
        "That matches my experience, nice {P}."),
    0: ("Did you try contacting them?", "Interesting, which {P} are you on?", "Following this.",
        "Have you asked {B} about it?"),
    -1: ("Same problem here with {B}, {X}.", "Yeah, {B} has gone downhill lately.",
         "Not surprised, the {P} has been bad for me too. {E}"),
    -2: ("Ugh, {B} did the exact same thing to me. Unacceptable! {E}", "{B} is a joke. {XC} here too.",
         "Worst company ever. Cancel them before they waste more of your time."),
}  # fmt: skip

CHATTER: dict[int, tuple[str, ...]] = {
    2: ("Such a perfect day for {T} {E}", "Finally nailed {T} today. Feeling amazing! {H}",
        "Can't get enough of {T} lately, love it! {E}", "Best weekend ever, all about {T}! {H}"),
    1: ("Nice morning with {T}. {H}", "Really enjoying {T} this week.",
        "Good progress on {T} today {E}", "Highly recommend giving {T} a try."),
    0: ("Anyone have tips on {T}? {H}", "Thinking about {T} this weekend.", "Reading up on {T}.",
        "What's everyone's take on {T}?", "Spent the afternoon on {T}. {H}"),
    -1: ("Ugh, my plans for {T} fell apart today. {E}", "Not loving {T} this week, honestly.",
         "Bit of a letdown with {T} today.", "Tired of {T} for now. {H}"),
    -2: ("Why is {T} so expensive now?? Ridiculous. {E}", "So fed up with {T} right now. Terrible week!",
         "Furious. Everything about {T} went wrong today. {H}"),
}  # fmt: skip

CHATTER_REPLY: dict[int, tuple[str, ...]] = {
    2: ("Love this! {E}", "This is wonderful!!", "Congrats, amazing!"),
    1: ("Nice one 🙂", "So true.", "Good point, thanks for sharing."),
    0: ("Where was this?", "Interesting, tell me more.", "Following.", "Which one?"),
    -1: ("Hmm, not sure I agree.", "That's rough, sorry to hear.", "Meh, not convinced."),
    -2: ("This is exactly what's wrong with everything lately. {E}", "Ridiculous take, honestly."),
}

QUOTE: dict[int, tuple[str, ...]] = {
    2: ("This! 👇 Love it.", "Couldn't agree more!", "Everyone should read this {E}"),
    1: ("Worth reading.", "Good thread.", "Nice, agreed."),
    0: ("Interesting.", "Thoughts on this?", "Saving this for later."),
    -1: ("Hard disagree.", "Not convinced by this at all.", "Hmm, no."),
    -2: ("This is outrageous. {E}", "Unbelievable. Absolutely not okay."),
}

PROMO = (
    "Meet the new {P} from {B}. Available today! {E}",
    "Big news: the {P} just got better. Learn more at {U}",
    "Our {P} is now 20% off for a limited time. {U} {BH}",
    "Thanks for choosing us! Tell us what you love about the {P}. {BH}",
    "We're hiring! Join the {BN} team. {U}",
)

BOT_PROMO = (
    "🔥 Huge deal on the {P} at {B}! Grab it now 👉 {U} #ad #giveaway",
    "🔥 WOW the {P} from {B} is a must have!! {U} #deal #giveaway",
    "🎁 Win a free {P} from {B}! RT and follow to enter {U} #giveaway",
)

CARE_COMPLAINT: dict[int, tuple[str, ...]] = {
    -1: (
        "{XC}. Can someone help?",
        "hey, {X}. Any update?",
        "{XC}, what's going on?",
        "{XC}. Could you look into this please?",
    ),
    -2: (
        "{XC}! That makes {N} times this month.",
        "{XC}. Really frustrated right now. {E}",
        "{XC}. Fix it NOW. Unacceptable.",
        "{XC}. Paying for nothing, again! {E}",
    ),
}
CARE_AGENT_FIRST = (
    "Sorry to hear that! Please send us a DM with your {D} and we'll look into it.",
    "We're sorry for the trouble. Can you DM us your {D} so we can take a closer look?",
    "Thanks for reaching out. We'd like to help, please DM us your {D}.",
)
CARE_CUSTOMER_DM = ("Just sent you a DM.", "DM sent, thanks.", "Sent. Hope this gets sorted quickly.")
CARE_AGENT_WORKING = (
    "Thanks, we've got your DM and are looking into it now.",
    "We've passed this to our technical team and will update you soon.",
)
CARE_AGENT_RESOLVE = (
    "We've {F}. Could you check and let us know if it's working now?",
    "Good news: we've {F}. Please let us know if anything else comes up.",
)
CARE_RESOLVED = (
    "Thanks, that fixed it! 🙏",
    "All working now, appreciate the quick help!",
    "That did it. Thank you, great service.",
    "Confirmed, it's sorted. Thanks {BN} team! 🙂",
)
CARE_ESCALATE: dict[int, tuple[str, ...]] = {
    1: ("Still waiting for a reply to my DM...", "Any update? It's been {N} hours.", "Hello? Still waiting."),
    2: ("I've DM'd you {N} times now and nobody answers. This is unacceptable.",
        "Still broken. {N} days and counting. Getting really tired of this.",
        "Seriously? Still nothing. Worst support ever. 😤"),
    3: ("This is ridiculous. I'll go to the press if this isn't fixed today.",
        "Cancelling my account. Worst customer service I've ever dealt with. 😡",
        "Filing a complaint with the regulator. Done with {BN}. 🤬"),
}  # fmt: skip
CARE_AGENT_ESCALATION = (
    "We understand your frustration and have escalated this to a senior team member.",
    "We apologise for the delay. Your case is with our specialists now.",
)
AGENT_GREETING = ("Hi {F}! ", "Hey {F}! ", "Hello {F}. ", "")

BLOG_TITLE: dict[int, tuple[str, ...]] = {
    2: ("Why I love the {P} from {BN}", "{BN} got it right", "A glowing review of the {P}"),
    1: ("Three months with the {P} from {BN}", "{BN}: a good experience", "Notes on the {P}"),
    0: ("Comparing {BN} with the rest", "What I know about the {P}", "{BN}, a quick overview"),
    -1: ("My disappointment with {BN}", "The {P} is not what it was", "Is {BN} slipping?"),
    -2: ("Why I'm done with {BN}", "{BN} failed me again", "A warning about the {P}"),
}
