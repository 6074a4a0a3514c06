"""Generate a synthetic newsdesk article store for benchmarks.

    python benchmarks/generate_store.py --count 100000 --out benchmarks/stores/100k
    python benchmarks/generate_store.py --count 1000 --out /tmp/s --seed 7 --messy 0.02

The store has the shape of the real article in ``../shared/sample-store/``
(see ``STORE-FORMAT.md``): one UTF-8 ``.txt`` file per article, named
``000123_<16 hex>.txt``, with YAML front matter written field by field in the
sample's order and quoting style, and an optional Markdown body. Files are
spread over ``YYYY/MM`` folders (split by day ranges, ``YYYY/MM/01-08``,
when a month would hold more than 2,000 files).

Output is deterministic: the same ``--count``, ``--seed`` and ``--messy`` give
byte-identical files, whatever ``--jobs`` is. Every article is rendered from
its own ``random.Random`` seeded by (seed, index), so an article does not
change when ``--messy`` picks other files to spoil.

It is idempotent: when the output folder already holds a ``.generated``
marker with the same count, seed, messy fraction and format version, nothing
is written. A folder holding a marker with other parameters is regenerated;
a non-empty folder without a marker is refused (exit status 2). Files are
written to a hidden sibling folder first and moved into place at the end, so
an interrupted run never leaves a half store behind a valid marker.

``--messy FRACTION`` spoils that fraction of the files with the cases real
stores have; the marker lists each spoiled file with its kind, and which
of them are broken on purpose (``BROKEN_KINDS``).

Standard library only.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import calendar
import itertools
import json
import os
import random
import re
import shutil
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
MARKER = ".generated"
MAX_FILES_PER_FOLDER = 2000
END_TIME = 1793491200  # 2026-11-01T00:00:00Z
SPAN_SECONDS = 1096 * 86400  # three years
CHUNK = 1000

# --------------------------------------------------------------------------
# Messy cases

VALID_MESSY_KINDS: tuple[str, ...] = (
    "quality_string",  # quality: "29"
    "topic_string",  # topics: AI   (a single topic, not a list)
    "naive_date",  # publishedDateTime: 2024-03-01T10:15:00   (no zone)
    "string_date",  # publishedDateTime: "Fri, 01 Mar 2024 10:15:00 GMT"
    "missing_date",  # no publishedDateTime
    "missing_fields",  # no excerpt / provider / topics / AMP URLs / quality
    "extra_field",  # an unknown field such as sentiment: 0.42
    "duplicate_url",  # same webUrl as another article, other content
    "duplicate_file",  # byte-identical copy of another article's file
    "mojibake",  # UTF-8 read as Windows-1252: stateâ€™s, ZÃ¼rich
    "markup",  # [bold], [@click=app.quit], stray [/] in titles
    "escape",  # "\e[31m" (a real ESC once loaded) in an excerpt
)
BROKEN_KINDS: tuple[str, ...] = (
    "empty",  # 0 bytes
    "bad_yaml",  # unclosed quote, tab indent, bad indent, inner quote, truncated
    "not_utf8",  # the whole file in Windows-1252
    "unsafe_tag",  # !!python/object/apply: refused by a safe loader
    "no_front_matter",  # plain Markdown, no --- block
)
MESSY_KINDS = VALID_MESSY_KINDS + BROKEN_KINDS
# Two broken files in every cycle of fourteen spoiled ones, the first early so
# that even a handful of messy files includes one.
_KIND_CYCLE_VALID_SLOTS = 12
_BROKEN_SLOTS = (1, 8)

# --------------------------------------------------------------------------
# Vocabulary (fixed: independent of --seed)

_TOPIC_SPEC = """\
AI: artificial intelligence|large language models|chatbots|AI safety|generative AI
Machine Learning: neural networks|training data|model benchmarks|deep learning
Computer Vision: facial recognition|image recognition|object detection|camera analytics
Robotics: industrial robots|humanoid robots|warehouse automation|robot arms
Cybersecurity: ransomware|data breaches|zero-day exploits|phishing campaigns
Privacy: data protection|surveillance|tracking cookies|GDPR fines
Cloud Computing: data centres|cloud outages|serverless platforms|cloud contracts
Semiconductors: chip plants|chipmakers|wafer supply|2-nanometre chips
Quantum Computing: qubits|quantum processors|error correction|quantum networks
Open Source: open-source maintainers|software licences|the Linux kernel|package registries
Smartphones: foldable phones|handset sales|mobile chips|phone batteries
Social Media: content moderation|influencers|short-video apps|misinformation
Streaming: streaming subscriptions|series renewals|music royalties|live sport rights
Video Games: game studios|console sales|esports|indie games
Space: satellite launches|lunar missions|Mars rovers|space stations
Astronomy: exoplanets|telescopes|black holes|meteor showers
Climate: heatwaves|carbon emissions|climate targets|glacier melt
Renewable Energy: solar farms|offshore wind|heat pumps|grid storage
Electric Vehicles: EV batteries|charging networks|battery recycling|EV sales
Automotive: car recalls|carmakers|self-driving cars|car supply chains
Aviation: airlines|airport strikes|jet fuel|flight delays
Rail: high-speed rail|rail strikes|night trains|train timetables
Shipping: container ships|port congestion|freight rates|shipping lanes
Oil & Gas: crude prices|refineries|gas pipelines|LNG terminals
Nuclear Power: reactors|nuclear waste|small modular reactors|uranium supply
Agriculture: harvests|fertiliser prices|crop yields|farm subsidies
Food & Drink: restaurants|coffee prices|café culture|the wine harvest
Health: hospital waiting lists|vaccines|public health|GP surgeries
Medicine: clinical trials|cancer drugs|gene therapy|antibiotics
Mental Health: anxiety|therapy services|burnout|youth mental health
Pharmaceuticals: drug pricing|generic drugs|drug approvals|pharma mergers
Biotech: CRISPR|biotech start-ups|protein folding|cell therapies
Education: school funding|university fees|teacher shortages|exam results
Science: peer review|research funding|laboratories|scientific fraud
Economy: inflation|interest rates|recession fears|GDP growth
Markets: stock markets|bond yields|IPOs|currency swings
Banking: central banks|bank mergers|mortgage rates|deposit rates
Cryptocurrency: bitcoin|stablecoins|crypto exchanges|token sales
Fintech: payment apps|digital wallets|buy now pay later|open banking
Retail: the high street|online shopping|supermarket prices|retail sales
Real Estate: house prices|rents|housing starts|office vacancies
Labour: the minimum wage|strikes|remote work|unions
Startups: venture capital|seed rounds|unicorns|start-up layoffs
Big Tech: antitrust cases|app stores|tech giants|platform fees
Telecoms: 5G networks|broadband rollout|spectrum auctions|roaming fees
Internet: web standards|internet outages|domain names|browser updates
Software: software updates|developer tools|programming languages|code review
Hardware: laptops|graphics cards|mechanical keyboards|repairability
Politics: coalition talks|parliament|opinion polls|party leadership
Elections: voter turnout|ballot counting|campaign finance|televised debates
Law: the supreme court|class actions|court rulings|copyright lawsuits
Regulation: regulators|competition law|new rules|compliance costs
Government: budgets|public spending|the civil service|ministries
Defence: defence budgets|military drones|military aid|arms exports
Diplomacy: summits|trade talks|sanctions|embassies
Trade: tariffs|export controls|trade deficits|customs checks
Immigration: visas|asylum applications|border controls|work permits
Crime: fraud|police investigations|organised crime|court hearings
Policing: police budgets|body cameras|police reform|predictive policing
Human Rights: free speech|press freedom|civil liberties|protests
Environment: plastic pollution|biodiversity|deforestation|air quality
Wildlife: endangered species|bird migration|rewilding|coral reefs
Weather: storms|floods|snowfall|drought
Disasters: earthquakes|wildfires|hurricanes|evacuations
Urban Planning: cycle lanes|city centres|zoning rules|affordable housing
Transport: bus routes|congestion charges|e-scooters|road tolls
Culture: museums|festivals|exhibitions|heritage sites
Books: novels|publishers|bestsellers|literary prizes
Music: concerts|record labels|music festivals|album releases
Film: film festivals|cinemas|box office hits|film studios
Television: TV ratings|broadcasters|reality shows|public broadcasting
Art: art auctions|galleries|street art|art theft
Fashion: fashion weeks|luxury brands|fast fashion|sneakers
Sports: transfers|championships|stadiums|doping
Football: football clubs|the World Cup|league tables|match fixing
Tennis: grand slams|tennis rankings|Wimbledon|tiebreaks
Cycling: the Tour de France|bike lanes|cycling teams|e-bikes
Travel: tourism|hotels|holiday bookings|overtourism
Media: newspapers|newsrooms|paywalls|local journalism
Advertising: ad tech|ad spending|targeted ads|ad blockers
"""

PLACES: tuple[str, ...] = (
    "Zürich", "Genève", "Montréal", "São Paulo", "Bogotá", "Kraków", "Malmö",
    "Reykjavík", "Düsseldorf", "Tromsø", "Málaga", "Córdoba", "Besançon",
    "Wellington", "Auckland", "Toronto", "Chicago", "Austin", "Berlin", "Paris",
    "Lyon", "Madrid", "Lisbon", "Dublin", "Edinburgh", "Manchester", "Oslo",
    "Helsinki", "Tallinn", "Warsaw", "Vienna", "Prague", "Budapest", "Athens",
    "Istanbul", "Nairobi", "Lagos", "Cape Town", "Mumbai", "Bengaluru",
    "Singapore", "Seoul", "Tokyo", "Osaka", "Sydney", "Melbourne", "Vancouver",
    "Mexico City", "Buenos Aires", "Santiago", "Lima", "Québec", "Göteborg",
    "Århus", "Nürnberg", "Köln", "Brussels", "Amsterdam", "Rotterdam",
    "Copenhagen",
)  # fmt: skip

ORGS: tuple[str, ...] = (
    "Zürcher Datenwerk", "Café Lumière Group", "Nordwind AG", "Orbital Dynamics",
    "BlueHarbor Labs", "Kestrel Systems", "Müller & Søn", "Quantica",
    "Brightline Health", "Pacifica Freight", "Ironwood Capital", "Lumen Grid",
    "Soleil Énergie", "Vega Motors", "Atlas Rail", "Crédit Alpin", "Polaris Bank",
    "Tessera Robotics", "Harbor & Finch", "Åland Shipping", "Fjord Analytics",
    "Señor Pixel Studios", "Granite Peak Media", "Caldera Pharma",
    "Northstar Telecom", "Meridian Foods", "Copperleaf Software", "Olé Sports",
    "Saffron Retail", "Redwood Insurance", "Cobalt Mining Co", "Verdant Farms",
    "Quill Publishing", "Halcyon Air", "Bellweather Polling", "Opaline Cloud",
    "Driftwood Games", "Kōbō Instruments", "Ceres Biotech", "Sentinel Security",
)  # fmt: skip

GROUPS: tuple[str, ...] = (
    "organizations", "experts", "researchers", "unions", "investors", "lawmakers",
    "consumer groups", "scientists", "city councils", "doctors", "teachers",
    "engineers", "small businesses", "economists", "campaigners", "regulators",
)  # fmt: skip

SECTORS: tuple[str, ...] = (
    "healthcare", "retail", "logistics", "banking", "farming", "public services",
    "manufacturing", "tourism", "education", "the media", "insurance", "energy",
)  # fmt: skip

ADJECTIVES: tuple[str, ...] = (
    "ambitious", "controversial", "long-delayed", "landmark", "modest", "bold",
    "costly", "experimental", "record", "surprise", "cautious", "sweeping",
)  # fmt: skip

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTH_ABBR = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
DAY_ABBR = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

TITLE_TEMPLATES: tuple[str, ...] = (
    "{org} to invest {money} in {kw} in {place}",
    "Over {n} {group} call for ban on {kw}",
    "How {kw} is reshaping {sector} in {place}",
    "{Kw}: what the new rules mean for {group}",
    "{org} unveils {adj} plan for {kw}",
    "Why {kw} matters more than ever for {sector}",
    "{place} approves {adj} {kw} project",
    "{org} faces backlash over {kw}",
    "Inside the race to dominate {kw}",
    "{n} things to know about {kw} this week",
    "{Kw} push stalls as {group} raise concerns",
    'Report: spending on {kw} rose {pct}% in {year}',
    "{org} and {org2} team up on {kw}",
    "The hidden cost of {kw} in {place}",
    "{place} café owners weigh in on {kw}",
    "From {place} to {place2}: {kw} goes global",
    "{org} cuts {n} jobs amid {kw} slowdown",
    "Regulators in {place} probe {org} over {kw}",
    "{Kw} breakthrough reported by researchers in {place}",
    '{org} chief says {kw} will be "bigger than the internet"',
    "Is {kw} a bubble? {Group} are divided",
    "{Kw} debate reaches {place} city council",
    "{org} delays {kw} rollout until {year}",
    "What {kw} means for {sector}, explained",
    "{Group} in {place} push back on {kw}",
)  # fmt: skip
OPINION_TEMPLATES: tuple[str, ...] = (
    "Opinion: {kw} is {adj}, and that's the problem",
    "Columnist: it's time to rethink {kw}",
    "Diane Dimond: the double-edged sword of {kw}",
    "Letter from {place}: {kw} and the rest of us",
)
ANALYSIS_TEMPLATES: tuple[str, ...] = (
    "Analysis: the economics of {kw} in {year}",
    "Analysis: {org}'s {adj} bet on {kw}",
    "Charts: {kw} across {n} countries",
)
PRESS_TEMPLATES: tuple[str, ...] = (
    "{org} announces {kw} partnership with {org2}",
    "{org} reports record quarter driven by {kw}",
    "{org} appoints new head of {kw}",
)
VIDEO_TEMPLATES: tuple[str, ...] = (
    "Video: {kw} explained in {n} minutes",
    "Watch: {org} demonstrates {kw} in {place}",
)

SENTENCES: tuple[str, ...] = (
    "{org}, along with more than {n} other {group}, issued a joint statement on {kw} on {weekday}.",
    "The move follows months of debate in {place} over {kw} and its effect on {sector}.",
    "Critics say the plan does little to address {kw2}, "
    "while supporters point to {adj} results so far.",
    "Officials in {place} declined to comment, citing an ongoing review of {kw}.",
    "The announcement was made at a café near the old town of {place}.",
    "Analysts expect {kw} to remain a priority for {group} through {year}.",
    "A spokesperson for {org} said the company was \"fully committed\" to {kw}.",
    "The new chair's résumé includes a decade at {org2} working on {kw2}.",
    "Local businesses, from a crème brûlée bakery to a naïve-art gallery, "
    "say they have felt the change.",
    "{Group} in {place} warned that {kw} could cost {sector} up to {money} a year.",
    "The {adj} proposal would put {kw} under the supervision of a new agency in {place}.",
    "According to figures released on {weekday}, interest in {kw} rose {pct}% year on year.",
    "It is the {ordinal} time this year that {org} has been criticised over {kw}.",
    "Residents of {place} can expect the first effects of {kw} by {year}.",
    "Some {group} called the idea naïve; others said it was déjà vu for {sector}.",
    "In {place}, the debate over {kw} has spilled from the council chamber into the street.",
    "{org} did not say how much of its {money} budget would go to {kw}.",
    "The findings, published in a peer-reviewed journal, "
    "cover {n} sites across {place} and {place2}.",
)  # fmt: skip

_FILLER = (
    "the and of to in for on with that as by from at this its new more than "
    "said year first people city report data plan company government market "
    "week month service public local national industry policy change growth "
    "support project system group price cost risk future energy network state "
    "during after before while also however since although despite because "
    "café Zürich façade résumé naïve rosé jalapeño über"
)
FILLER_WORDS: tuple[str, ...] = tuple(_FILLER.split())

ORDINALS = ("second", "third", "fourth", "fifth")
SECTIONS = ("news", "business", "tech", "world", "science", "culture", "politics", "sport")
IMAGE_SIZES = ((426, 293), (499, 325), (640, 360), (800, 450), (1200, 675), (300, 200))
EXTRA_FIELDS: tuple[str, ...] = (
    "sentiment: 0.42",
    "language: de",
    'author: "Anaïs Dupont"',
    "wordCount: 812",
    "paywall: true",
    "legacyId: 7731904",
    "keywords:\n  - budget\n  - Zürich\n  - café",
    "source:\n  feed: rss\n  fetchedAt: 2026-01-05T08:00:00Z",
    "isBreaking: null",
)
MARKUP_TITLES: tuple[str, ...] = (
    "[bold]Breaking:[/bold] {t}",
    "[@click=app.quit]{t}[/]",
    "{t} [/]",
    "[red on white]{t}",
    "[link=https://example.com/x]{t}[/link]",
    "{t} [@click=app.bell]x[/]",
    "[b]{t}[/b] [i]exclusive[/i]",
)
ESCAPES: tuple[tuple[str, str], ...] = (
    ("\x1b[31m", "\x1b[0m"),  # SGR red
    ("\x1b[31m", ""),
    ("\x1b[2J\x1b[H", ""),  # clear screen, cursor home
    ("\x1b]0;newsdesk was here\x07", ""),  # OSC window title
    ("\x9b1m", "\x9b0m"),  # C1 CSI
)
BAD_YAML_VARIANTS = ("unclosed_quote", "tab_indent", "bad_indent", "inner_quote", "truncated")
UNSAFE_LINE = 'exploit: !!python/object/apply:builtins.print ["newsdesk: unsafe YAML executed"]'

# --------------------------------------------------------------------------
# Vocabulary built once at import (from a fixed seed)

_YAML_WORDS = frozenset({"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"})
_PLAIN_RE = re.compile(r"[^\W\d_][\w .,'&+/()-]*[\w.)]|[^\W\d_]", re.UNICODE)
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f\x7f-\x9f\u2028\u2029]')
_ESCAPE_TABLE: dict[int, str] = {c: f"\\x{c:02x}" for c in [*range(0x20), *range(0x7F, 0xA0)]}
_ESCAPE_TABLE.update(
    {
        0x00: "\\0", 0x07: "\\a", 0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0B: "\\v",
        0x0C: "\\f", 0x0D: "\\r", 0x1B: "\\e", 0x22: '\\"', 0x5C: "\\\\", 0x85: "\\N",
        0x2028: "\\L", 0x2029: "\\P",
    }
)  # fmt: skip


def q(text: str) -> str:
    """``text`` as a YAML double-quoted scalar (escapes only where needed)."""
    if _NEEDS_ESCAPE.search(text) is None:
        return f'"{text}"'
    return f'"{text.translate(_ESCAPE_TABLE)}"'


def plain(text: str) -> str:
    """``text`` as a plain scalar when that is safe (as the sample writes
    provider names and topics), else double-quoted."""
    if _PLAIN_RE.fullmatch(text) and text.lower() not in _YAML_WORDS:
        return text
    return q(text)


class _SlugTable(dict[int, str]):
    """``str.translate`` table: letters and digits to lower-case ASCII, the
    rest to spaces; filled in on first sight of each character."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if char.isascii():
            value = char.lower() if char.isalnum() else " "
        else:
            ascii_text = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
            value = "".join(c for c in ascii_text.lower() if c.isalnum()) or " "
        self[code] = value
        return value


_SLUG_TABLE = _SlugTable(
    {ord(k): v for k, v in {"Æ": "ae", "æ": "ae", "Ø": "o", "ø": "o", "ß": "ss", "Œ": "oe",
                           "œ": "oe", "Ł": "l", "ł": "l", "Đ": "d", "đ": "d", "Þ": "th",
                           "þ": "th"}.items()}
)  # fmt: skip


def slugify(text: str, limit: int = 80) -> str:
    slug = "-".join(text.translate(_SLUG_TABLE).split())
    return slug[:limit].rstrip("-")


_CP1252 = [bytes([b]).decode("cp1252", "replace") for b in range(256)]
_CP1252 = [c if c != "\ufffd" else chr(b) for b, c in enumerate(_CP1252)]


def mojibake(text: str) -> str:
    """UTF-8 bytes read as Windows-1252 (undefined bytes as Latin-1)."""
    return "".join([_CP1252[b] for b in text.encode("utf-8")])


@dataclass(frozen=True)
class Provider:
    name: str
    domain: str
    url_style: int
    yaml: str  # the two indented lines under ``provider:``
    related_yaml: str  # the same, indented for a related item


def _zipf_cum(n: int, s: float) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**s) for rank in range(1, n + 1)))


def _build_topics() -> tuple[list[str], list[tuple[str, ...]]]:
    names: list[str] = []
    keywords: list[tuple[str, ...]] = []
    for line in _TOPIC_SPEC.splitlines():
        name, _, kws = line.partition(": ")
        names.append(name)
        keywords.append(tuple(kws.split("|")))
    return names, keywords


def _build_providers(count: int = 400) -> list[Provider]:
    vocab = random.Random(0x6E657773)
    suffixes = (
        "Herald", "Times", "Gazette", "Tribune", "Post", "Chronicle", "Observer",
        "Courier", "Journal", "Daily", "Standard", "Record", "Examiner", "Sentinel",
        "Independent", "Star", "Mercury", "Review", "Insider", "Today",
    )  # fmt: skip
    tech_a = ("Byte", "Code", "Data", "Pixel", "Signal", "Circuit", "Orbit", "Vector", "Kernel")
    tech_b = ("Wire", "Daily", "Beat", "Report", "Insider", "Hub", "Weekly", "Scoop")
    tlds = ("com", "com", "com", "com", "co.uk", "co.nz", "de", "ch", "fr", "com.au", "ca",
            "org", "net", "news", "io")  # fmt: skip
    combos = [(p, s) for p in PLACES for s in suffixes]
    vocab.shuffle(combos)
    names: list[str] = [f"{a}{b}" for a in tech_a for b in tech_b]
    names += ["Scoop", "Noozhawk", "Daily Hampshire Gazette", "Le Café Quotidien"]
    for place, suffix in combos[: count - len(names)]:
        names.append(f"The {place} {suffix}" if vocab.random() < 0.3 else f"{place} {suffix}")
    vocab.shuffle(names)
    providers: list[Provider] = []
    seen: set[str] = set()
    for name in names[:count]:
        base = slugify(name.removeprefix("The ")).replace("-", "")
        tld = "io" if name[:4] in {a[:4] for a in tech_a} else vocab.choice(tlds)
        domain = f"{base}.{tld}"
        while domain in seen:
            domain = f"{base}{vocab.randrange(10, 99)}.{tld}"
        seen.add(domain)
        style = vocab.randrange(5)
        yaml = f"  name: {plain(name)}\n  domain: {domain}\n"
        providers.append(Provider(name, domain, style, yaml, yaml.replace("  ", "      ")))
    return providers


TOPICS, TOPIC_KEYWORDS = _build_topics()
assert len(TOPICS) == 80, len(TOPICS)
# Popularity rank of each topic: a fixed shuffle (AI stays the most popular).
_rank_rng = random.Random(80)
TOPIC_BY_RANK = [0, *_rank_rng.sample(range(1, len(TOPICS)), len(TOPICS) - 1)]
TOPIC_CUM = _zipf_cum(len(TOPICS), 1.0)
PROVIDERS = _build_providers()
PROVIDER_CUM = _zipf_cum(len(PROVIDERS), 0.9)
RELATED_COUNT_CUM = list(itertools.accumulate((24, 30, 20, 12, 8, 6)))  # 0..5 related
TOPIC_COUNT_CUM = list(itertools.accumulate((38, 34, 19, 9)))  # 1..4 topics
CATEGORY_CUM = list(itertools.accumulate((70, 14, 11, 5)))
CATEGORIES = ("news", "analysis", "opinion", "press-release")

# --------------------------------------------------------------------------
# Text generation


def _pick_cum(rng: random.Random, cum: Sequence[float]) -> int:
    return bisect.bisect(cum, rng.random() * cum[-1])


def _topic(rng: random.Random) -> int:
    return TOPIC_BY_RANK[_pick_cum(rng, TOPIC_CUM)]


def _provider(rng: random.Random) -> Provider:
    return PROVIDERS[_pick_cum(rng, PROVIDER_CUM)]


_SLOT_RE = re.compile(r"\{(\w+)\}")
_SLOTS: dict[str, tuple[str, ...]] = {}
_NUMBERS = (3, 5, 7, 10, 12, 20, 30, 75, 120, 300)
_CURRENCIES = ("$", "€", "£", "CHF ")


def _fill(rng: random.Random, template: str, topic: int, year: int) -> str:
    """Fill a template's slots; only the slots it names are drawn."""
    slots = _SLOTS.get(template)
    if slots is None:
        slots = _SLOTS[template] = tuple(dict.fromkeys(_SLOT_RE.findall(template)))
    r = rng.random
    values: dict[str, Any] = {}
    for slot in slots:
        if slot in values:
            continue
        if slot in ("kw", "Kw"):
            kws = TOPIC_KEYWORDS[topic]
            kw = kws[int(r() * len(kws))]
            values["kw"] = kw
            values["Kw"] = kw[0].upper() + kw[1:]
        elif slot == "kw2":
            kws = TOPIC_KEYWORDS[topic]
            values[slot] = kws[int(r() * len(kws))]
        elif slot in ("org", "org2"):
            values[slot] = ORGS[int(r() * len(ORGS))]
        elif slot in ("place", "place2"):
            values[slot] = PLACES[int(r() * len(PLACES))]
        elif slot in ("group", "Group"):
            g = GROUPS[int(r() * len(GROUPS))]
            values["group"] = g
            values["Group"] = g[0].upper() + g[1:]
        elif slot == "sector":
            values[slot] = SECTORS[int(r() * len(SECTORS))]
        elif slot == "adj":
            values[slot] = ADJECTIVES[int(r() * len(ADJECTIVES))]
        elif slot == "n":
            values[slot] = _NUMBERS[int(r() * len(_NUMBERS))]
        elif slot == "pct":
            values[slot] = 2 + int(r() * 238)
        elif slot == "money":
            values[slot] = f"{_CURRENCIES[int(r() * 4)]}{2 + int(r() * 948)}m"
        elif slot == "year":
            values[slot] = year + int(r() * 3)
        elif slot == "weekday":
            values[slot] = WEEKDAYS[int(r() * 7)]
        elif slot == "ordinal":
            values[slot] = ORDINALS[int(r() * len(ORDINALS))]
    return template.format_map(values)


def _build_pools(
    per_topic: int = 160, headings: int = 30
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """Sentences and headings for each topic, drawn once from a fixed seed:
    excerpts and bodies are assembled from these, which keeps generation fast
    while the text stays searchable by topic words."""
    vocab = random.Random(0x626F6479)
    sentences: list[tuple[str, ...]] = []
    heads: list[tuple[str, ...]] = []
    for topic in range(len(TOPICS)):
        pool: list[str] = []
        for _ in range(per_topic):
            year = 2024 + vocab.randrange(3)
            if vocab.random() < 0.1:
                words = " ".join(vocab.choices(FILLER_WORDS, k=vocab.randint(8, 16)))
                pool.append(f"{words[0].upper()}{words[1:]}.")
            else:
                pool.append(_fill(vocab, vocab.choice(SENTENCES), topic, year))
        sentences.append(tuple(pool))
        heads.append(
            tuple(_fill(vocab, vocab.choice(TITLE_TEMPLATES), topic, 2025) for _ in range(headings))
        )
    return sentences, heads


# Filled by _ensure_pools() on first use, so that a run that finds its store
# up to date starts fast.
SENTENCE_POOL: list[tuple[str, ...]] = []
HEADING_POOL: list[tuple[str, ...]] = []


def _ensure_pools() -> None:
    if not SENTENCE_POOL:
        sentences, headings = _build_pools()
        SENTENCE_POOL.extend(sentences)
        HEADING_POOL.extend(headings)


_TEMPLATES_BY_CATEGORY = {
    "news": TITLE_TEMPLATES,
    "analysis": ANALYSIS_TEMPLATES + TITLE_TEMPLATES[:6],
    "opinion": OPINION_TEMPLATES,
    "press-release": PRESS_TEMPLATES,
}


def make_title(rng: random.Random, topic: int, year: int, category: str, kind: str) -> str:
    if kind == "video" and rng.random() < 0.6:
        templates: Sequence[str] = VIDEO_TEMPLATES
    else:
        templates = _TEMPLATES_BY_CATEGORY[category]
    return _fill(rng, templates[int(rng.random() * len(templates))], topic, year)


def make_text(rng: random.Random, topic: int, target: int) -> str:
    """Sentences about ``topic`` until about ``target`` characters."""
    pool = SENTENCE_POOL[topic]
    n = len(pool)
    r = rng.random
    parts: list[str] = []
    size = 0
    while size < target:
        sentence = pool[int(r() * n)]
        parts.append(sentence)
        size += len(sentence) + 1
    return " ".join(parts)


def make_excerpt(rng: random.Random, topic: int, truncate: bool) -> str:
    text = make_text(rng, topic, 150 + int(rng.random() * 110))
    if truncate and len(text) > 200:
        cut = text.rfind(" ", 0, 180 + int(rng.random() * 60))
        text = text[:cut].rstrip(",.;:") + " ..."
    return text


def make_body(rng: random.Random, topic: int) -> str:
    """A Markdown body: 0.5-8 KB (log-uniform); one in 1,000 is 20-200 KB."""
    r = rng.random
    target = int(20_000 * 10 ** r()) if r() < 0.001 else int(500 * 16 ** r())
    heads = HEADING_POOL[topic]
    out: list[str] = []
    size = 0
    while size < target:
        x = r()
        if x < 0.12:
            block = f"## {heads[int(r() * len(heads))]}"
        elif x < 0.20:
            items = [make_text(rng, topic, 1) for _ in range(2 + int(r() * 4))]
            block = "\n".join(f"- {item}" for item in items)
        elif x < 0.25:
            block = f"> {make_text(rng, topic, 120)}"
        elif x < 0.27:
            block = "---"
        elif x < 0.30:
            p = _provider(rng)
            kws = TOPIC_KEYWORDS[topic]
            block = (
                f"Read more from [{p.name}](https://www.{p.domain}/{SECTIONS[int(r() * 8)]}) "
                f"and see `{slugify(kws[int(r() * len(kws))])}` in the **data** appendix."
            )
        else:
            block = make_text(rng, topic, 250 + int(r() * 450))
        out.append(block)
        size += len(block) + 2
    return "\n\n".join(out) + "\n"


_DAYS: dict[int, tuple[str, int, int, int]] = {}


def _day(ts: int) -> tuple[str, int, int, int]:
    """(``YYYY-MM-DDT``, year, month, day) of a timestamp, cached by day."""
    day = ts // 86400
    found = _DAYS.get(day)
    if found is None:
        t = time.gmtime(day * 86400)
        found = (f"{t.tm_year:04d}-{t.tm_mon:02d}-{t.tm_mday:02d}T", t.tm_year, t.tm_mon, t.tm_mday)
        _DAYS[day] = found
    return found


def timestamp(ts: int) -> str:
    """``2020-07-08T19:36:00Z``, the sample's form."""
    seconds = ts % 86400
    return f"{_day(ts)[0]}{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}Z"


def amp_urls(url: str, rng: random.Random) -> tuple[str, str]:
    """An AMP URL for ``url`` and its AMP-cache copy (as in the sample)."""
    scheme, _, rest = url.partition("://")
    host, _, path = rest.partition("/")
    r = rng.random()
    if r < 0.4:
        amp_host = "m." + host.removeprefix("www.")
        amp = f"{scheme}://{amp_host}/{path}"
    elif r < 0.8:
        amp_host = host
        amp = f"{scheme}://{host}/amp/{path}"
    else:
        amp_host = host
        amp = f"{scheme}://{host}/{path.rstrip('/')}?amp=1"
    cdn_host = amp_host.replace("-", "--").replace(".", "-")
    amp_path = amp.partition("://")[2]
    cdn = f"https://{cdn_host}.cdn.ampproject.org/c/s/{amp_path}"
    return amp, cdn


def web_url(rng: random.Random, provider: Provider, title: str, ts: int, serial: int) -> str:
    _, year, month, mday = _day(ts)
    slug = slugify(title)
    d = provider.domain
    style = provider.url_style
    if style == 0:
        return (
            f"https://www.{d}/stories/WO{year % 100:02d}{month:02d}/"
            f"S{serial % 100000:05d}/{slug}.htm"
        )
    if style == 1:
        return (
            f"https://www.{d}/{year}/{month:02d}/{mday:02d}/"
            f"{SECTIONS[int(rng.random() * 8)]}/{slug}-{serial}/"
        )
    if style == 2:
        return f"https://{d}/news/{slug}-{serial}"
    if style == 3:
        return f"https://www.{d}/article/{slug.replace('-', '_')}_{year}{month:02d}{serial}"
    return f"https://www.{d}/{SECTIONS[int(rng.random() * 8)]}/{slug}-{serial:x}.html"


def _secured(rng: random.Random) -> str:
    sig = base64.b64encode(rng.randbytes(256)).decode()
    salt = base64.b64encode(rng.randbytes(16)).decode()
    return f"{sig};{salt}"


# --------------------------------------------------------------------------
# Articles


class Raw(str):
    """A value written verbatim into the YAML (used by the messy cases)."""


@dataclass(slots=True)
class Article:
    category: str | None
    title: str
    excerpt: str | None
    published: Any  # int timestamp, Raw, or None (missing)
    web_url: str
    amp_url: str | None
    cdn_url: str | None
    type: str
    quality: Any
    heat: Any
    flag: bool
    provider: Provider | None
    topics: list[str] | str | None
    related: list[str]  # rendered related items
    extra: list[str]
    secured: str
    body: str


def build_article(seed: int, index: int, ts: int) -> tuple[Article, random.Random]:
    rng = random.Random(seed * 4_294_967_296 + index)
    year = _day(ts)[1]
    category = CATEGORIES[_pick_cum(rng, CATEGORY_CUM)]
    kind = "video" if rng.random() < 0.1 else "article"
    first = _topic(rng)
    topic_ids = [first]
    for _ in range(_pick_cum(rng, TOPIC_COUNT_CUM)):
        if rng.random() < 0.5:  # a neighbour in the list: related subjects
            t = min(len(TOPICS) - 1, max(0, first + int(rng.random() * 7) - 3))
        else:
            t = _topic(rng)
        if t not in topic_ids:
            topic_ids.append(t)
    provider = _provider(rng)
    title = make_title(rng, first, year, category, kind)
    excerpt = make_excerpt(rng, first, truncate=False)
    url = web_url(rng, provider, title, ts, index + 10000)
    amp, cdn = amp_urls(url, rng) if rng.random() < 0.85 else (None, None)
    quality = min(100, max(0, int(rng.triangular(0, 100, 35))))
    heat = int(-10 + 110 * rng.random() ** 2.5)
    related = [
        render_related(rng, topic_ids[int(rng.random() * len(topic_ids))], ts, year, serial)
        for serial in range(_pick_cum(rng, RELATED_COUNT_CUM))
    ]
    body = make_body(rng, first) if rng.random() < 0.25 else ""
    article = Article(
        category=category,
        title=title,
        excerpt=excerpt,
        published=ts,
        web_url=url,
        amp_url=amp,
        cdn_url=cdn,
        type=kind,
        quality=quality,
        heat=heat,
        flag=rng.random() < 0.6,
        provider=provider,
        topics=[TOPICS[t] for t in topic_ids],
        related=related,
        extra=[],
        secured=_secured(rng),
        body=body,
    )
    return article, rng


def render_related(rng: random.Random, topic: int, ts: int, year: int, serial: int) -> str:
    provider = _provider(rng)
    title = make_title(rng, topic, year, "news", "article")
    excerpt = make_excerpt(rng, topic, truncate=rng.random() < 0.4)
    r = rng.random
    rts = ts + int(r() * 5 * 86400) - 3 * 86400
    if r() < 0.65:  # date only, as many sources give it
        rts -= rts % 86400
    rts -= rts % 60
    url = web_url(rng, provider, title, rts, int(r() * 10**6) + serial)
    lines = [
        f"  - title: {q(title)}\n",
        f"    excerpt: {q(excerpt)}\n",
        f"    publishedDateTime: {timestamp(rts)}\n",
        f'    webUrl: "{url}"\n',  # generated URLs need no escaping
    ]
    if r() < 0.5:
        amp, cdn = amp_urls(url, rng)
        lines.append(f'    ampWebUrl: "{amp}"\n    cdnAmpWebUrl: "{cdn}"\n')
    lines.append(
        f"    type: {'video' if r() < 0.08 else 'article'}\n"
        f"    provider:\n{provider.related_yaml}"
        f"    quality: {int(r() * 101)}\n"
    )
    if r() < 0.55:
        lines.append("    images:\n")
        for _ in range(1 if r() < 0.85 else 2):
            w, h = IMAGE_SIZES[int(r() * len(IMAGE_SIZES))]
            lines.append(
                f'      - url: "https://www.{provider.domain}/images/{year}/'
                f'{rng.getrandbits(64):016x}_{w}_{h}.jpg"\n'
                f"        width: {w}\n        height: {h}\n"
                f"        isCached: {'true' if r() < 0.8 else 'false'}\n"
            )
    return "".join(lines)


def render(a: Article) -> str:
    """The file text, field by field in the sample's order and style."""
    out: list[str] = ["---\n"]
    if a.category is not None:
        out.append(f"category: {a.category}\n")
    out.append(f"title: {q(a.title)}\n")
    if a.excerpt is not None:
        out.append(f"excerpt: {q(a.excerpt)}\n")
    if isinstance(a.published, Raw):
        out.append(f"publishedDateTime: {a.published}\n")
    elif a.published is not None:
        out.append(f"publishedDateTime: {timestamp(a.published)}\n")
    out.append(f'webUrl: "{a.web_url}"\n')
    if a.amp_url is not None:
        out.append(f'ampWebUrl: "{a.amp_url}"\n')
    if a.cdn_url is not None:
        out.append(f'cdnAmpWebUrl: "{a.cdn_url}"\n')
    out.append(f"type: {a.type}\n")
    if a.quality is not None:
        out.append(f"quality: {a.quality}\n")
    out.append(f"heat: {a.heat}\npublished: {'true' if a.flag else 'false'}\n")
    if a.provider is not None:
        out.append(f"\nprovider:\n{a.provider.yaml}")
    if isinstance(a.topics, str):
        out.append(f"\ntopics: {plain(a.topics)}\n")
    elif a.topics is not None:
        out.append("\ntopics:\n")
        out.extend(f"  - {plain(t)}\n" for t in a.topics)
    if a.related:
        out.append("\nrelated:\n")
        out.extend(a.related)
    else:
        out.append("\nrelated: []\n")
    for extra in a.extra:
        out.append(f"\n{extra}\n")
    out.append(f'\nsecured: "{a.secured}"\n---\n\n{a.body}')
    return "".join(out)


# --------------------------------------------------------------------------
# Messy cases


def _spoil(kind: str, a: Article, rng: random.Random, plan: Plan, index: int) -> str | bytes:
    """Apply a messy ``kind`` to ``a``; return the file text (or bytes)."""
    if kind == "quality_string":
        a.quality = Raw(f'"{a.quality}"')
        if rng.random() < 0.3:
            a.heat = Raw(f'"{a.heat}"')
    elif kind == "topic_string":
        assert isinstance(a.topics, list)
        a.topics = a.topics[0]
    elif kind == "naive_date":
        stamp = timestamp(a.published)[:-1]
        a.published = Raw(stamp if rng.random() < 0.6 else stamp.replace("T", " "))
    elif kind == "string_date":
        t = time.gmtime(a.published)
        a.published = Raw(
            rng.choice(
                (
                    f'"{DAY_ABBR[t.tm_wday]}, {t.tm_mday:02d} {MONTH_ABBR[t.tm_mon - 1]} '
                    f'{t.tm_year} {t.tm_hour:02d}:{t.tm_min:02d}:00 GMT"',
                    f'"{t.tm_mday:02d}/{t.tm_mon:02d}/{t.tm_year} {t.tm_hour:02d}:{t.tm_min:02d}"',
                    f'"{timestamp(a.published)}"',
                )
            )
        )
    elif kind == "missing_date":
        a.published = None
    elif kind == "missing_fields":
        for field in rng.sample(("excerpt", "provider", "topics", "amp", "quality", "category"), 2):
            if field == "amp":
                a.amp_url = a.cdn_url = None
            else:
                setattr(a, field, None)
    elif kind == "extra_field":
        a.extra.append(rng.choice(EXTRA_FIELDS))
    elif kind == "duplicate_url":
        other, _ = build_article(plan.seed, plan.source[index], plan.times[plan.source[index]])
        a.web_url, a.amp_url, a.cdn_url = other.web_url, other.amp_url, other.cdn_url
    elif kind == "mojibake":
        text = (a.excerpt or "").replace("'", "’")
        if text.isascii():
            text = f"The city’s café owners were not consulted. {text}"
        a.excerpt = mojibake(text)
        if rng.random() < 0.5:
            a.title = mojibake(a.title.replace("'", "’") + " — Zürich")
    elif kind == "markup":
        a.title = rng.choice(MARKUP_TITLES).format(t=a.title)
        if a.related and rng.random() < 0.3:
            a.related[0] = a.related[0].replace('title: "', 'title: "[@click=app.quit]', 1)
    elif kind == "escape":
        start, end = rng.choice(ESCAPES) if rng.random() < 0.5 else ESCAPES[0]
        words = (a.excerpt or "breaking").split(" ")
        at = rng.randrange(len(words))
        words[at] = f"{start}{words[at]}{end}"
        a.excerpt = " ".join(words)
        if rng.random() < 0.2:
            a.title = f"\x1b[2J{a.title}"
    elif kind == "bad_yaml":
        return _bad_yaml(render(a), rng.choice(BAD_YAML_VARIANTS))
    elif kind == "not_utf8":
        a.title = f"Zürich café: {a.title}"
        return render(a).encode("cp1252", "replace")
    elif kind == "unsafe_tag":
        a.extra.append(UNSAFE_LINE)
    elif kind == "no_front_matter":
        return f"# {a.title}\n\n{a.excerpt}\n\n{a.body}"
    else:
        raise ValueError(f"unknown messy kind {kind!r}")
    return render(a)


def _bad_yaml(text: str, variant: str) -> str:
    if variant == "unclosed_quote":
        return re.sub(r'^(title: ".*)"$', r"\1", text, count=1, flags=re.M)
    if variant == "tab_indent":
        return text.replace("\nprovider:\n  ", "\nprovider:\n\t", 1).replace(
            "\ntopics:\n  ", "\ntopics:\n\t", 1
        )
    if variant == "bad_indent":
        return re.sub(r"^webUrl: ", "   webUrl: ", text, count=1, flags=re.M)
    if variant == "inner_quote":
        return re.sub(r'^title: "', 'title: "The "quoted" ', text, count=1, flags=re.M)
    # truncated: an interrupted write, cut inside the secured string (no
    # closing quote, no closing --- line, no body).
    return text[: text.index('secured: "') + 120]


# --------------------------------------------------------------------------
# Planning and writing


@dataclass
class Plan:
    seed: int
    times: list[int]
    paths: list[str]
    kinds: dict[int, str]  # index -> messy kind
    source: dict[int, int]  # index -> article it duplicates


def make_plan(count: int, seed: int, messy: float) -> Plan:
    """Dates, names, folders and messy assignments, from one seeded Random."""
    rng = random.Random(seed)
    # Dates over three years, growing linearly (0.6 to 1.4 density), oldest first.
    a, b = 0.6, 0.8
    norm = a + b / 2
    start = END_TIME - SPAN_SECONDS
    times = sorted(
        start
        + int(((-a + (a * a + 2 * b * rng.random() * norm) ** 0.5) / b) * SPAN_SECONDS) // 60 * 60
        for _ in range(count)
    )
    ids: list[str] = []
    seen: set[int] = set()
    while len(ids) < count:
        v = rng.getrandbits(64)
        if v not in seen:
            seen.add(v)
            ids.append(f"{v:016x}")
    width = max(6, len(str(count - 1)))
    folders = _folders(times)
    paths = [f"{folders[i]}/{i:0{width}d}_{ids[i]}.txt" for i in range(count)]

    spoiled = rng.sample(range(count), min(count, round(count * messy)))
    kinds: dict[int, str] = {}
    broken = itertools.cycle(BROKEN_KINDS)
    valid = itertools.cycle(VALID_MESSY_KINDS)
    for n, index in enumerate(spoiled):
        slot = n % (_KIND_CYCLE_VALID_SLOTS + len(_BROKEN_SLOTS))
        kinds[index] = next(broken) if slot in _BROKEN_SLOTS else next(valid)
    source: dict[int, int] = {}
    for index in spoiled:
        if kinds[index] in ("duplicate_url", "duplicate_file"):
            j = rng.randrange(count)
            for _ in range(100):
                if j != index and j not in kinds:
                    break
                j = rng.randrange(count)
            source[index] = j
    return Plan(seed, times, paths, kinds, source)


def _folders(times: Sequence[int]) -> list[str]:
    """``YYYY/MM``, or ``YYYY/MM/DD-DD`` day ranges when a month is too full."""
    stamps = [time.gmtime(ts) for ts in times]
    for days in (31, 16, 8, 4, 2, 1):
        buckets = Counter((t.tm_year, t.tm_mon, (t.tm_mday - 1) // days) for t in stamps)
        if max(buckets.values(), default=0) <= MAX_FILES_PER_FOLDER or days == 1:
            break
    out: list[str] = []
    for t in stamps:
        if days == 31:
            out.append(f"{t.tm_year}/{t.tm_mon:02d}")
        else:
            lo = (t.tm_mday - 1) // days * days + 1
            month_days = calendar.monthrange(t.tm_year, t.tm_mon)[1]
            hi = min(lo + days - 1, month_days)
            out.append(f"{t.tm_year}/{t.tm_mon:02d}/{lo:02d}-{hi:02d}")
    return out


def article_bytes(plan: Plan, index: int) -> bytes:
    """The exact bytes of file ``index``."""
    _ensure_pools()
    kind = plan.kinds.get(index)
    if kind == "empty":
        return b""
    if kind == "duplicate_file":
        j = plan.source[index]
        other, _ = build_article(plan.seed, j, plan.times[j])
        return render(other).encode("utf-8")
    article, rng = build_article(plan.seed, index, plan.times[index])
    if kind is None:
        return render(article).encode("utf-8")
    out = _spoil(kind, article, rng, plan, index)
    return out if isinstance(out, bytes) else out.encode("utf-8")


_WORKER: tuple[Plan, Path] | None = None
_OPEN_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0)


def _init_worker(plan: Plan, root: Path) -> None:
    global _WORKER
    _ensure_pools()
    _WORKER = (plan, root)


def _write_range(bounds: tuple[int, int]) -> int:
    assert _WORKER is not None
    plan, root = _WORKER
    total = 0
    for index in range(*bounds):
        data = article_bytes(plan, index)
        fd = os.open(os.path.join(root, plan.paths[index]), _OPEN_FLAGS, 0o644)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        total += len(data)
    return total


@dataclass(frozen=True)
class StoreInfo:
    path: Path
    count: int
    seed: int
    messy: float
    bytes: int
    seconds: float
    generated: bool  # False when an up-to-date store was already there
    messy_files: dict[str, str]  # relative path -> messy kind

    @property
    def broken_files(self) -> list[str]:
        return sorted(p for p, k in self.messy_files.items() if k in BROKEN_KINDS)


def read_marker(out: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((out / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _matches(marker: dict[str, Any] | None, count: int, seed: int, messy: float) -> bool:
    return (
        marker is not None
        and marker.get("format") == FORMAT_VERSION
        and marker.get("count") == count
        and marker.get("seed") == seed
        and marker.get("messy") == messy
    )


class GenerateError(Exception):
    """The output folder cannot be used."""


def generate_store(
    out: Path | str,
    count: int,
    seed: int = 1,
    messy: float = 0.0,
    *,
    jobs: int | None = None,
    force: bool = False,
    progress: Callable[[str], None] | None = None,
) -> StoreInfo:
    """Make sure ``out`` holds the store for (count, seed, messy); return its info."""
    out = Path(out)
    if count < 1:
        raise GenerateError("count must be at least 1")
    if not 0.0 <= messy <= 1.0:
        raise GenerateError("messy must be between 0 and 1")
    marker = read_marker(out)
    if not force and _matches(marker, count, seed, messy):
        assert marker is not None
        return StoreInfo(
            out, count, seed, messy, int(marker.get("bytes", 0)),
            float(marker.get("seconds", 0.0)), False, dict(marker.get("messy_files", {})),
        )  # fmt: skip
    if out.exists() and marker is None and (not out.is_dir() or any(out.iterdir())):
        raise GenerateError(f"{out} exists and was not made by this generator; not touching it")

    started = time.perf_counter()
    _ensure_pools()  # before the workers fork, so they inherit it
    plan = make_plan(count, seed, messy)
    partial = out.parent / f".{out.name}.partial"
    if partial.exists():
        shutil.rmtree(partial)
    for folder in sorted({p.rpartition("/")[0] for p in plan.paths}):
        (partial / folder).mkdir(parents=True, exist_ok=True)

    ranges = [(lo, min(lo + CHUNK, count)) for lo in range(0, count, CHUNK)]
    jobs = max(1, jobs if jobs is not None else (os.cpu_count() or 1))
    if jobs == 1 or count <= 2 * CHUNK:
        _init_worker(plan, partial)
        sizes: Iterable[int] = map(_write_range, ranges)
        total = sum(sizes)
    else:
        with ProcessPoolExecutor(jobs, initializer=_init_worker, initargs=(plan, partial)) as ex:
            total = sum(ex.map(_write_range, ranges))
    seconds = time.perf_counter() - started

    messy_files = {plan.paths[i]: k for i, k in sorted(plan.kinds.items())}
    record = {
        "generator": "newsdesk benchmarks/generate_store.py",
        "format": FORMAT_VERSION,
        "count": count,
        "seed": seed,
        "messy": messy,
        "bytes": total,
        "seconds": round(seconds, 3),
        "broken_kinds": list(BROKEN_KINDS),
        "messy_files": messy_files,
    }
    (partial / MARKER).write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n")
    if out.exists():
        if out.is_dir():
            shutil.rmtree(out)
        else:
            out.unlink()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial.rename(out)
    if progress:
        progress(f"wrote {count} files in {seconds:.2f} s")
    return StoreInfo(out, count, seed, messy, total, seconds, True, messy_files)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Generate a deterministic synthetic newsdesk article store.",
    )
    parser.add_argument("--count", type=int, required=True, help="number of article files")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--messy", type=float, default=0.0, metavar="FRACTION",
        help="fraction of files given real-world defects, some broken (default 0)",
    )  # fmt: skip
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: CPUs)")
    parser.add_argument("--force", action="store_true", help="regenerate even if up to date")
    parser.add_argument("--quiet", action="store_true", help="print nothing on success")
    args = parser.parse_args(argv)
    try:
        info = generate_store(
            args.out, args.count, args.seed, args.messy, jobs=args.jobs, force=args.force
        )
    except GenerateError as exc:
        print(f"generate_store: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        if info.generated:
            avg = info.bytes / info.count
            print(
                f"{info.path}: {info.count} files, {info.bytes / 1e6:.1f} MB "
                f"(average {avg / 1024:.2f} KiB), {len(info.messy_files)} messy "
                f"({len(info.broken_files)} broken), in {info.seconds:.2f} s"
            )
        else:
            print(f"{info.path}: up to date (count={info.count}, seed={info.seed}, "
                  f"messy={info.messy})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
