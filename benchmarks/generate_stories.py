"""Generate a store of articles whose stories are known, to measure story grouping.

    python benchmarks/generate_stories.py --count 5000 --out /tmp/stories --seed 1

A news store is mostly the same events told by several providers. Each event
here is a place (173), a subject (a topic keyword, 321), an actor (one of
1,240 organisations or a person with a title), a number, an amount and an
action (13 kinds, each with its own headline and sentence templates), with
facts of its own (a spokesperson, a quote, a reason). 1 to 12 providers tell
it, each in its own words: the title template is drawn again for every
provider, words are swapped for synonyms, numbers and money are written in
other forms (``€40m``, ``40 million euros``, ``more than 1,000``), labels
(``Breaking:``, ``| The Oslo Herald``) are added, a word dropped, some
providers drop accents or use Title Case, and excerpts mix a lead, details,
some of the facts and unrelated context sentences, cut at different lengths.
Articles of a story come out over a few hours; a few a day or two later, 3%
two to three days later.

Links: some articles list other providers' pages of the same story in
``related`` (by ``webUrl``, AMP or CDN URL, with tracking parameters, ``http``
or without ``www.``), some of them not in the store; every article also lists
unrelated related coverage, as generated stores do. Some articles are stored
twice under the same ``webUrl`` (an updated version), and a few have no date.

Decoys, which are separate stories: follow-ups of an event 2.5 to 10 days
later (same actor, place and subject: "Five days after ..."), and look-alikes
within a day of an event about the same place and subject but another action
(a third of them by the same actor too).

The truth is written beside the articles in ``.stories.json``:
``{"version", "count", "seed", "per_day", "stories": {path: label}, "kinds": {label: kind}}``
with kind ``event``, ``follow-up`` or ``look-alike``. Output is deterministic
for the same ``--count``, ``--seed`` and ``--per-day``; a folder already
holding the same store is left alone, one holding another generated store is
replaced, any other non-empty folder is refused (exit status 2).

Articles are rendered by ``generate_store.py``'s renderer (same front matter,
same field order and quoting). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.generate_store import (
    GROUPS,
    ORGS,
    PLACES,
    PROVIDER_CUM,
    PROVIDERS,
    SENTENCE_POOL,
    TOPIC_KEYWORDS,
    TOPICS,
    Article,
    Provider,
    _ensure_pools,
    _folders,
    _pick_cum,
    _secured,
    amp_urls,
    q,
    render,
    render_related,
    timestamp,
    web_url,
)

SIDECAR = ".stories.json"
VERSION = 2  # of the generator: a store made by another version is made again
START_TIME = 1735689600  # 2025-01-01T00:00:00Z
HOUR = 3600
DAY = 86400

# Story sizes (providers telling an event), 1 to 12: weights.
SIZE_WEIGHTS = (35, 18, 13, 9, 7, 5, 4, 3, 2, 2, 1, 1)
FOLLOW_UP_RATE = 0.25  # events that get a follow-up story days later
LOOK_ALIKE_RATE = 0.2  # events that get a look-alike story the same day
SAME_ACTOR_LOOK_ALIKE = 1 / 3
LINK_RATE = 0.3  # articles whose related list names pages of their own story
OUTSIDE_LINK_RATE = 0.3  # ... or pages of their story that are not in the store
DUPLICATE_URL_RATE = 0.04  # articles stored a second time under the same webUrl
NO_DATE_RATE = 0.01

FIRST_NAMES = (
    "Ana", "Björn", "Chloé", "Dmitri", "Elif", "François", "Greta", "Hiroshi", "Inès",
    "Jonas", "Kwame", "Lucía", "Mateo", "Nadia", "Oskar", "Priya", "Raúl", "Sofia",
    "Tomás", "Zoë", "Amara", "Bruno", "Carmen", "Daniel", "Esther", "Fatima", "Gabriel",
    "Hannah", "Ivan", "Julia", "Kenji", "Leila", "Marco", "Nora", "Omar", "Paula",
    "Rafael", "Sara", "Thomas", "Yusuf",
)  # fmt: skip
LAST_NAMES = (
    "Silva", "Müller", "Novak", "Okafor", "Haugen", "Dubois", "Kowalski", "Tanaka",
    "García", "Lindqvist", "Moreau", "Petrov", "Yılmaz", "O'Brien", "Nakamura",
    "Fernández", "Schäfer", "Ibrahim", "Rossi", "Andersen", "Bauer", "Costa", "Dahl",
    "Eriksen", "Fischer", "Grant", "Hoffmann", "Jansen", "Khan", "Laurent", "Mensah",
    "Nielsen", "Ortega", "Park", "Quinn", "Reyes", "Sato", "Varga", "Walsh", "Ziegler",
)  # fmt: skip
ROLES = ("Mayor", "Minister", "Governor", "Senator", "Councillor", "Judge")

# More places and organisations than generate_store.py has: a news stream
# names thousands of them, so two unrelated events rarely share an actor
# and a place by chance.
MORE_PLACES = (
    "Aberdeen", "Adelaide", "Algiers", "Almaty", "Antwerp", "Asunción", "Baku", "Baltimore",
    "Bangkok", "Barcelona", "Basel", "Belfast", "Belgrade", "Bergen", "Bilbao", "Birmingham",
    "Bologna", "Bordeaux", "Boston", "Bratislava", "Brisbane", "Bristol", "Bucharest",
    "Calgary", "Cardiff", "Casablanca", "Cork", "Dakar", "Dallas", "Delft", "Denver",
    "Dortmund", "Dresden", "Durban", "Eindhoven", "Florence", "Fukuoka", "Gdańsk", "Ghent",
    "Glasgow", "Graz", "Grenoble", "Groningen", "Hamburg", "Hanoi", "Hobart", "Houston",
    "Innsbruck", "Jakarta", "Kaunas", "Kyiv", "Kyoto", "Leeds", "Leipzig", "Lille",
    "Linz", "Liverpool", "Ljubljana", "Łódź", "Lausanne", "Luxembourg", "Marseille",
    "Medellín", "Miami", "Milan", "Minsk", "Montevideo", "Munich", "Nantes", "Naples",
    "Newcastle", "Nice", "Odense", "Oporto", "Ottawa", "Oulu", "Palermo", "Perth",
    "Philadelphia", "Pittsburgh", "Porto Alegre", "Poznań", "Quito", "Riga", "Rome",
    "Salzburg", "San Diego", "Sapporo", "Seattle", "Seville", "Sheffield", "Sofia",
    "Stavanger", "Stockholm", "Strasbourg", "Stuttgart", "Tampere", "Tartu", "Tbilisi",
    "Toulouse", "Trondheim", "Turin", "Turku", "Uppsala", "Utrecht", "Valencia",
    "Valparaíso", "Vilnius", "Winnipeg", "Wrocław", "Yokohama", "Zagreb", "Zaragoza",
)  # fmt: skip
ALL_PLACES = PLACES + MORE_PLACES
_ORG_WORDS = (
    "Apex", "Aurora", "Basalt", "Beacon", "Birch", "Boreal", "Cascade", "Cedar", "Cinder",
    "Cobalt", "Compass", "Condor", "Coral", "Delta", "Ember", "Falcon", "Fjell", "Garnet",
    "Glacier", "Granite", "Harbour", "Helix", "Heron", "Horizon", "Indigo", "Juniper",
    "Keystone", "Lantern", "Linden", "Lynx", "Magnolia", "Maple", "Marlin", "Meridian",
    "Mistral", "Monarch", "Nimbus", "Nova", "Oakridge", "Onyx", "Orca", "Osprey",
    "Pinnacle", "Prism", "Quarry", "Raven", "Ridge", "Sable", "Saffron", "Sequoia",
    "Sierra", "Solstice", "Sparrow", "Summit", "Tamarind", "Tidal", "Topaz", "Tundra",
    "Vantage", "Willow",
)  # fmt: skip
_ORG_KINDS = (
    "Systems", "Group", "Labs", "Holdings", "Energy", "Logistics", "Foods", "Bank",
    "Motors", "Media", "Pharma", "Capital", "Networks", "Robotics", "Airways", "Rail",
    "Telecom", "Retail", "Insurance", "Mining",
)  # fmt: skip
ALL_ORGS = ORGS + tuple(f"{w} {k}" for w in _ORG_WORDS for k in _ORG_KINDS)
REASONS = (
    "weaker demand", "rising energy costs", "a slump in orders", "new safety rules",
    "higher interest rates", "a shortage of parts", "pressure from investors",
    "a legal challenge", "staff shortages", "delays at the port", "a cyberattack",
    "falling prices", "a dispute with suppliers", "the end of a subsidy",
    "complaints from residents", "a failed audit", "a change of ownership",
    "record losses", "a surge in bookings", "a court ruling", "the cost of borrowing",
    "flooding last spring", "an expired licence", "a merger review", "low turnout",
    "tariffs on steel", "a new competitor", "a boycott", "a data leak", "bad weather",
)  # fmt: skip
QUOTES = (
    "We will not be rushed", "This is a difficult day for everyone", "The numbers speak for "
    "themselves", "We have listened to our customers", "Nobody saw this coming",
    "It is the right decision for the long term", "We owe the city an explanation",
    "This changes nothing for our clients", "We are confident in our case",
    "The door remains open", "It has been a long road", "We expected more",
    "There is no plan B", "Safety comes first", "We will keep fighting",
    "The timing could not be worse", "This is only the beginning", "Trust has to be earned",
    "We are disappointed but not surprised", "It is a fair outcome",
    "Our staff deserve better", "We will learn from this", "Costs were out of control",
    "The market has spoken", "We acted within the law", "Everyone loses here",
    "It is good news for the region", "We take these concerns seriously",
    "The decision was unanimous", "We did everything by the book",
)  # fmt: skip
FACTS = (
    '"{quote}," [said|says] {spokesperson}[, a spokesperson for {actor}|].',
    '{spokesperson}, [who speaks for|a spokesperson for] {actor}, said: "{quote}."',
    "{actor} [cited|blamed|pointed to] {reason}.",
    "The [move|decision] [follows|comes after] {reason}, according to {spokesperson}.",
)

# Event actions. In templates, [a|b|c] is a choice made for each article;
# slots: {actor} {place} {subject} {n} {money} {pct} {day} {group} {year}
# {org2}.
ACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "invest": {
        "titles": (
            "{actor} to [invest|put|pour] {money} [in|into] {subject} in {place}",
            "{actor} [pledges|commits] {money} [for|to] {place} {subject}",
            "{place} [wins|lands|secures] {money} {subject} investment from {actor}",
            "{actor} [bets|wagers] {money} on {subject} [push|drive] in {place}",
            "{money} [boost|windfall] for {subject} in {place} as {actor} [expands|grows]",
            "{actor} [unveils|announces] {money} {subject} [plan|programme] for {place}",
        ),
        "leads": (
            "{actor} said on {day} it would [invest|spend] {money} on {subject} in {place}.",
            "{actor} [will|plans to] spend {money} on {subject} in {place} over the next "
            "[three|five] years, it [announced|said] on {day}.",
            "A {money} investment in {subject} in {place} was [announced|unveiled] by {actor} "
            "on {day}.",
        ),
        "details": (
            "The [project|programme] is expected to create {n} jobs.",
            "[Officials|Leaders] in {place} [welcomed|praised] the plan.",
            "It is the [largest|biggest] bet on {subject} in the region [so far|to date].",
            "Construction is due to start in {year}.",
        ),
    },
    "cuts": {
        "titles": (
            "{actor} to [cut|axe|shed] {n} jobs in {place}",
            "{actor} [axes|cuts|slashes] {n} [roles|posts|positions] at {place} {subject} unit",
            "{n} jobs to go as {actor} [scales back|pares back] {subject} in {place}",
            "{actor} layoffs: {n} [staff|workers|employees] [affected|hit] in {place}",
            "{place}: {actor} [plans|announces] {n} job cuts amid {subject} slowdown",
        ),
        "leads": (
            "{actor} [will cut|is cutting|plans to cut] {n} jobs in {place}, [blaming|citing] "
            "weaker demand for {subject}.",
            "[About|Around|Some] {n} [staff|employees|workers] in {place} will lose their jobs "
            "at {actor}, the company [said|confirmed] on {day}.",
            "{actor} [confirmed|announced] {n} job losses at its {subject} business in {place}.",
        ),
        "details": (
            "[Unions|Staff representatives] called the [decision|move] a betrayal.",
            "The cuts [amount to|represent] {pct}% of the local workforce.",
            "[Shares|The stock] rose {pct}% after the announcement.",
            "The company said the {subject} market had [shrunk|slowed] [sharply|faster than "
            "expected].",
        ),
    },
    "probe": {
        "titles": (
            "Regulators in {place} [open|launch] [probe|investigation] into {actor} over {subject}",
            "{actor} [under investigation|being investigated] in {place} over {subject}",
            "{place} watchdog [investigates|probes|examines] {actor}'s {subject} [practices|deals]",
            "{actor} faces {place} [inquiry|probe] [into|over] {subject}",
        ),
        "leads": (
            "[Regulators|Authorities] in {place} [have opened|opened] an investigation into "
            "{actor} over its {subject} [business|activities], they said on {day}.",
            "The {place} [watchdog|regulator] is [examining|looking into] whether {actor} broke "
            "the rules on {subject}.",
            "{actor} is [under investigation|being investigated] in {place} after {n} "
            "complaints about {subject}.",
        ),
        "details": (
            "{actor} said it would cooperate [fully|with investigators].",
            "The [inquiry|investigation] could take [months|a year].",
            "[Complaints|Concerns] were first raised by {group}.",
        ),
    },
    "fine": {
        "titles": (
            "{actor} fined {money} over {subject} in {place}",
            "{place} [regulator|watchdog] [hits|slaps] {actor} with {money} [fine|penalty] over "
            "{subject}",
            "{money} [fine|penalty] for {actor} over {place} {subject} [breaches|failings]",
            "{actor} [must pay|ordered to pay] {money} over {subject}, {place} [rules|decides]",
        ),
        "leads": (
            "{actor} [has been|was] fined {money} in {place} for [breaking|breaching] rules on "
            "{subject}.",
            "The {place} [regulator|watchdog] [imposed|handed down] a {money} [fine|penalty] on "
            "{actor} on {day} over {subject}.",
            "{actor} [will appeal|plans to appeal] a {money} fine [imposed|handed] in {place} "
            "over {subject}.",
        ),
        "details": (
            "It is the [largest|biggest] {subject} fine [ever|yet] in {place}.",
            "{actor} said it [disagreed|strongly disagreed] with the decision.",
            "{group} said the [penalty|fine] was too small.",
        ),
    },
    "strike": {
        "titles": (
            "Workers at {actor} in {place} [walk out|strike] over {subject}",
            "{n} {actor} staff [strike|down tools] in {place}",
            "Strike [halts|disrupts|hits] {actor}'s {subject} [operations|work] in {place}",
            "{place} {actor} workers [begin|start|stage] [strike|walkout] over {subject}",
        ),
        "leads": (
            "[About|Nearly|Some] {n} workers at {actor} in {place} [went on strike|walked out] "
            "on {day} over {subject}.",
            "A strike by {n} [staff|employees] has [halted|disrupted] {subject} at {actor} in "
            "{place}.",
            "[Unions|Workers] at {actor}'s {place} site [began|started] a [strike|walkout] over "
            "plans for {subject}.",
        ),
        "details": (
            "The [strike|walkout] is [set|expected] to last [three days|a week].",
            "{actor} said it [regretted|was disappointed by] the action.",
            "Talks [broke down|collapsed] on {day}.",
        ),
    },
    "launch": {
        "titles": (
            "{actor} [launches|rolls out|debuts] {subject} [service|offer] in {place}",
            "{subject} [arrives|lands] in {place} as {actor} [launches|starts] service",
            "{actor} [brings|takes] {subject} to {place}",
            "{actor} [switches on|opens] {subject} in {place} after {n}-month [trial|pilot]",
        ),
        "leads": (
            "{actor} [launched|rolled out|started] {subject} in {place} on {day}.",
            "[Residents|Customers] in {place} can now use {actor}'s {subject}, [after|following] "
            "a {n}-month [trial|pilot].",
            "{actor} has [brought|taken] {subject} to {place}, its [first|latest] market.",
        ),
        "details": (
            "{actor} [expects|hopes for] {n} [users|customers] in the first year.",
            "[Prices|Fees] start at {money}.",
            "{group} [welcomed|questioned] the [launch|move].",
        ),
    },
    "outage": {
        "titles": (
            "{subject} outage [hits|affects] {actor} [customers|users] in {place}",
            "{actor} [suffers|hit by] {subject} [disruption|failure] in {place}",
            "{n} [customers|users] [affected|cut off] as {actor} {subject} [fails|goes down] in "
            "{place}",
            "{place} [hit|disrupted] by {actor} {subject} [outage|breakdown]",
        ),
        "leads": (
            "[Thousands of|Many] {actor} customers in {place} [lost|were without] {subject} on "
            "{day}.",
            "A [failure|fault] in {actor}'s {subject} [affected|disrupted] {n} [customers|users] "
            "in {place}.",
            "{actor} [apologised|expressed regret] after a {subject} [outage|failure] in {place} "
            "on {day}.",
        ),
        "details": (
            "Service was restored after {n} hours.",
            "The cause [is still unknown|was not yet known].",
            "{group} [demanded|called for] compensation.",
        ),
    },
    "approve": {
        "titles": (
            "{place} council [approves|backs|passes] {actor}'s {subject} [project|plan]",
            "[Green light|Go-ahead] for {actor}'s {subject} [scheme|project] in {place}",
            "{place} [backs|approves] {actor} {subject} plan in {n}-vote",
            "{actor} [wins|gets] [approval|permission] for {subject} in {place}",
        ),
        "leads": (
            "{place} [councillors|officials] [approved|backed] {actor}'s plans for {subject} on "
            "{day}.",
            "{actor} [received|won] [approval|permission] for its {subject} [project|scheme] in "
            "{place} by {n} votes.",
            "The {place} council [voted|agreed] to allow {actor}'s {subject} [project|plan].",
        ),
        "details": (
            "[Work|Construction] [will begin|begins] in {year}.",
            "{group} [opposed|fought] the plan [for years|for months].",
            "The [project|scheme] [will cost|costs] {money}.",
        ),
    },
    "reject": {
        "titles": (
            "{place} [blocks|rejects|halts] {actor}'s {subject} [plans|project]",
            "{actor}'s {subject} [project|plan] [rejected|blocked|thrown out] by {place} council",
            "[Setback|Blow] for {actor} as {place} says no to {subject}",
            "{place} [votes down|turns down] {actor} {subject} [scheme|bid]",
        ),
        "leads": (
            "{place} [councillors|officials] [rejected|blocked] {actor}'s {subject} [plans|bid] "
            "on {day}.",
            "{actor} [failed to win|was refused] [approval|permission] for {subject} in {place}.",
            "The {place} council [voted against|turned down] {actor}'s {subject} [project|scheme] "
            "by {n} votes.",
        ),
        "details": (
            "{actor} said it would [appeal|consider its options].",
            "{group} [celebrated|welcomed] the decision.",
            "The [plan|project] would have cost {money}.",
        ),
    },
    "acquire": {
        "titles": (
            "{actor} [buys|acquires|snaps up] {place} {subject} firm for {money}",
            "{actor} to [buy|acquire|take over] {org2}'s {subject} [arm|unit] in {money} deal",
            "{money} deal: {actor} [buys|acquires] {subject} [business|start-up] in {place}",
            "{actor} [agrees|strikes] {money} {subject} [takeover|deal] in {place}",
        ),
        "leads": (
            "{actor} [agreed|has agreed] to buy {org2}'s {subject} business in {place} for "
            "{money}.",
            "{actor} [will acquire|is acquiring] a {place} {subject} [firm|company] for {money}, "
            "it said on {day}.",
            "In a {money} deal, {actor} [is buying|will take over] {org2}'s {subject} [unit|arm].",
        ),
        "details": (
            "The deal [needs|requires] approval from regulators.",
            "{org2} shares [jumped|rose] {pct}%.",
            "The [unit|business] employs {n} people.",
        ),
    },
    "protest": {
        "titles": (
            "{n} [protest|march|rally] in {place} against {actor}'s {subject} plans",
            "[Thousands|Crowds] [march|rally] in {place} over {actor} {subject}",
            "[Protesters|Demonstrators] [rally|gather] against {actor} in {place} over {subject}",
            "{place} [protest|demonstration] [targets|against] {actor}'s {subject}",
        ),
        "leads": (
            "[About|Around|Some] {n} people [marched|protested|rallied] in {place} on {day} "
            "against {actor}'s plans for {subject}.",
            "[Protesters|Demonstrators] [gathered|massed] outside {actor}'s {place} offices over "
            "{subject}.",
            "[Crowds|Thousands] in {place} [demanded|called for] a halt to {actor}'s {subject} "
            "plans.",
        ),
        "details": (
            "[Police|Organisers] [estimated|put] the crowd at {n}.",
            "{actor} said it [respected|understood] the [concerns|protesters' concerns].",
            "The [protest|march] was [organised|led] by {group}.",
        ),
    },
    "delay": {
        "titles": (
            "{actor} [delays|postpones|pushes back] {place} {subject} [rollout|launch] to {year}",
            "{actor}'s {subject} [plans|project] in {place} [delayed|postponed] until {year}",
            "{place} {subject} [project|scheme] [on hold|stalls] as {actor} [delays|waits]",
            "[Delay|Setback] for {subject} in {place}: {actor} [blames|cites] costs",
        ),
        "leads": (
            "{actor} [has delayed|delayed|postponed] its {subject} [project|rollout] in {place} "
            "until {year}.",
            "{actor} [said|announced] on {day} that {subject} in {place} would [be delayed|slip] "
            "to {year}.",
            "Rising costs [forced|pushed] {actor} to [delay|postpone] {subject} in {place}.",
        ),
        "details": (
            "The [project|scheme] was [due|supposed] to [start|open] this year.",
            "Costs have risen {pct}% [since|from] the first [estimate|budget].",
            "{group} in {place} [criticised|questioned] the delay.",
        ),
    },
    "contract": {
        "titles": (
            "{actor} [wins|lands|secures] {money} {subject} contract in {place}",
            "{place} [awards|gives] {money} {subject} [deal|contract] to {actor}",
            "{actor} [picked|chosen|selected] for {place} {subject} [contract|deal]",
            "{money} {subject} [deal|contract] for {actor} in {place}",
        ),
        "leads": (
            "{actor} [has won|won] a {money} contract for {subject} in {place}.",
            "{place} [awarded|gave] {actor} a {money} {subject} [deal|contract] on {day}.",
            "{actor} [was chosen|was picked] [ahead of|over] {org2} to [deliver|provide] "
            "{subject} in {place}.",
        ),
        "details": (
            "The contract [runs|lasts] [five|ten] years.",
            "[Work|Delivery] [starts|begins] in {year}.",
            "{org2} [said it would|may] [challenge|contest] the award.",
        ),
    },
}
ACTION_NAMES = tuple(ACTIONS)

FOLLOW_UP: dict[str, tuple[str, ...]] = {
    "titles": (
        "{days} days after {actor}'s {subject} [announcement|decision], {group} in {place} "
        "[react|respond|weigh in]",
        "What happened next: {actor} and the {place} {subject} [plan|row]",
        "{actor} {subject} [row|plan]: {group} in {place} [demand|want] answers",
        "{place} {subject}: {actor} faces [questions|scrutiny] a week on",
        "[A week|Days] after the {subject} [news|announcement], {place} [looks|waits] for "
        "{actor}'s next move",
        "{actor} [defends|stands by] {place} {subject} [decision|move] after [criticism|backlash]",
    ),
    "leads": (
        "{days} days after {actor}'s [announcement|decision] on {subject} in {place}, {group} "
        "are still [divided|asking questions].",
        "{actor} on {day} [defended|stood by] its {subject} [decision|plans] in {place}.",
        "[Questions|Doubts] remain in {place} over {actor}'s {subject} [plans|move], {days} days "
        "on.",
    ),
    "details": (
        "{group} [met|gathered] on {day} to [discuss|debate] the [plans|decision].",
        "{actor} [declined|refused] to comment further.",
        "A [hearing|meeting] is [planned|scheduled] for {year}.",
    ),
}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "said": ("said", "confirmed", "announced", "stated"),
    "company": ("company", "firm", "group"),
    "plans": ("plans", "proposals"),
    "people": ("people", "residents"),
}
_SYNONYM_RE = re.compile(r"\b(" + "|".join(SYNONYMS) + r")\b")
_CHOICE_RE = re.compile(r"\[([^\[\]]*)\]")
_SLOT_RE = re.compile(r"\{(\w+)\}")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
NUMBER_WORDS = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
TITLE_PREFIXES = ("Breaking: ", "UPDATE: ", "Exclusive: ", "Report: ", "Watch: ", "Live: ")
SMALL_WORDS = frozenset(
    ["a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "vs"]
)


# --------------------------------------------------------------------------
# Events


@dataclass
class Event:
    label: str
    kind: str  # "event", "follow-up" or "look-alike"
    action: str  # a key of ACTIONS, or "follow-up"
    time: int
    topic: int
    subject: str
    place: str
    actor: str
    org2: str
    n: int
    money: float  # millions
    currency: str
    pct: int
    group: str
    year: int
    spokesperson: str = ""
    quote: str = ""
    reason: str = ""
    days: int = 0  # follow-ups: days since the first event
    size: int = 1
    articles: list[Gen] = field(default_factory=list)


@dataclass
class Gen:
    """An article being generated."""

    event: Event
    provider: Provider
    title: str
    excerpt: str
    time: int | None
    url: str
    amp: str | None
    cdn: str | None
    quality: int
    related: list[str] = field(default_factory=list)
    path: str = ""


def _actor(rng: random.Random) -> str:
    if rng.random() < 0.7:
        return rng.choice(ALL_ORGS)
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return f"{rng.choice(ROLES)} {first} {last}"


def _size(rng: random.Random) -> int:
    return rng.choices(range(1, len(SIZE_WEIGHTS) + 1), SIZE_WEIGHTS)[0]


def _new_event(
    rng: random.Random, label: str, kind: str, when: int, base: Event | None = None
) -> Event:
    topic = rng.randrange(len(TOPICS))
    event = Event(
        label=label,
        kind=kind,
        action=rng.choice(ACTION_NAMES),
        time=when,
        topic=topic,
        subject=rng.choice(TOPIC_KEYWORDS[topic]),
        place=rng.choice(ALL_PLACES),
        actor=_actor(rng),
        org2=rng.choice(ALL_ORGS),
        n=rng.choice((3, 5, 7, 8, 12, 15, 20, 40, 60, 90, 120, 150, 200, 250, 300, 450, 600,
                      800, 1200, 1500, 2000, 3500, 5000, 12000)),
        money=rng.choice((1.5, 2, 4, 7.5, 12, 20, 35, 40, 60, 85, 120, 250, 400, 750,
                          1200, 2500)),
        currency=rng.choice(("€", "$", "£", "CHF")),
        pct=rng.randrange(2, 60),
        group=rng.choice(GROUPS),
        year=2025 + (when - START_TIME) // (365 * DAY) + rng.randrange(1, 4),
        size=_size(rng),
        spokesperson=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
        quote=rng.choice(QUOTES),
        reason=rng.choice(REASONS),
    )  # fmt: skip
    if base is not None:
        # A decoy: same place and subject (and topic).
        event.topic, event.subject, event.place = base.topic, base.subject, base.place
        if kind == "follow-up":
            event.action = "follow-up"
            event.actor, event.org2 = base.actor, base.org2
            event.days = max(2, round((when - base.time) / DAY))
            event.size = min(event.size, 5)
        else:
            event.action = rng.choice([a for a in ACTION_NAMES if a != base.action])
            if rng.random() < SAME_ACTOR_LOOK_ALIKE:
                event.actor = base.actor
            else:
                while event.actor == base.actor:
                    event.actor = _actor(rng)
            while event.n == base.n:
                event.n = rng.choice((5, 12, 40, 150, 300, 2000))
    return event


def plan_events(count: int, seed: int, per_day: float) -> list[Event]:
    """Events and their decoys until they hold ``count`` articles."""
    rng = random.Random(seed)
    span = max(3 * DAY, int(count / per_day * DAY))
    events: list[Event] = []
    total = 0
    while total < count:
        when = START_TIME + rng.randrange(span) // 60 * 60
        first = _new_event(rng, f"s{len(events):06d}", "event", when)
        group = [first]
        if rng.random() < FOLLOW_UP_RATE:
            later = when + int(rng.uniform(2.5, 10) * DAY) // 60 * 60
            group.append(_new_event(rng, f"s{len(events) + 1:06d}", "follow-up", later, first))
        if rng.random() < LOOK_ALIKE_RATE:
            near = when + int(rng.uniform(-20, 20) * HOUR) // 60 * 60
            label = f"s{len(events) + len(group):06d}"
            group.append(_new_event(rng, label, "look-alike", near, first))
        for event in group:
            events.append(event)
            total += event.size
    return events


# --------------------------------------------------------------------------
# Wording


def _choose(rng: random.Random, template: str) -> str:
    return _CHOICE_RE.sub(lambda m: rng.choice(m.group(1).split("|")), template)


def _number(rng: random.Random, n: int) -> str:
    r = rng.random()
    if n < 10 and r < 0.5:
        return NUMBER_WORDS[n - 2] if 2 <= n <= 10 else str(n)
    if n >= 1000 and r < 0.4:
        return f"{n:,}"
    if n >= 100 and r < 0.15:
        return f"more than {n * 9 // 10 // 10 * 10:,}"
    return str(n)


def _money(rng: random.Random, millions: float, currency: str) -> str:
    amount = f"{millions:g}"
    r = rng.random()
    names = {"€": "euros", "$": "dollars", "£": "pounds", "CHF": "francs"}
    if millions >= 1000 and r < 0.5:
        return (
            f"{currency}{millions / 1000:g}bn"
            if currency != "CHF"
            else f"CHF {millions / 1000:g}bn"
        )
    if currency == "CHF":
        return f"CHF {amount}m" if r < 0.6 else f"{amount} million Swiss francs"
    if r < 0.5:
        return f"{currency}{amount}m"
    if r < 0.8:
        return f"{currency}{amount} million"
    return f"{amount} million {names[currency]}"


def _fill(rng: random.Random, template: str, event: Event) -> str:
    text = _choose(rng, template)
    values: dict[str, str] = {}
    for slot in _SLOT_RE.findall(text):
        if slot in values:
            continue
        if slot == "actor":
            value = event.actor
            if " " in value and value.split(" ", 1)[0] in ROLES and rng.random() < 0.3:
                value = value.split(" ", 1)[1]  # "Mayor Ana Silva" -> "Ana Silva"
        elif slot == "n":
            value = _number(rng, event.n)
        elif slot == "money":
            value = _money(rng, event.money, event.currency)
        elif slot == "days":
            value = str(event.days) if rng.random() < 0.5 else _days_word(event.days)
        elif slot == "day":
            value = WEEKDAYS[(event.time // DAY + 3) % 7]
        elif slot == "pct":
            value = str(event.pct)
        elif slot == "year":
            value = str(event.year)
        else:
            value = str(getattr(event, slot))
        values[slot] = value
    text = _SLOT_RE.sub(lambda m: values[m.group(1)], text)
    return _SYNONYM_RE.sub(lambda m: rng.choice(SYNONYMS[m.group(1)]), text)


def _days_word(days: int) -> str:
    return NUMBER_WORDS[days - 2].capitalize() if 2 <= days <= 10 else str(days)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title_case(text: str) -> str:
    words = text.split(" ")
    return " ".join(
        w if (i and w.lower() in SMALL_WORDS) or not w[:1].isalpha() else w[:1].upper() + w[1:]
        for i, w in enumerate(words)
    )


def _strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _drop_word(rng: random.Random, text: str) -> str:
    """Drop one short filler word, as an editor trimming a headline would."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.lower() in SMALL_WORDS and i > 0]
    if candidates:
        del words[rng.choice(candidates)]
    return " ".join(words)


def make_title(rng: random.Random, event: Event, provider: Provider) -> str:
    spec = FOLLOW_UP if event.action == "follow-up" else ACTIONS[event.action]
    title = _capitalise(_fill(rng, rng.choice(spec["titles"]), event))
    r = rng.random()
    if r < 0.08:
        title = rng.choice(TITLE_PREFIXES) + title
    elif r < 0.14:
        title = f"{event.place}: {title}"
    if rng.random() < 0.12:
        title += rng.choice((" | ", " - ", " – ")) + provider.name
    if rng.random() < 0.15:
        title = _drop_word(rng, title)
    if rng.random() < 0.25:
        title = _title_case(title)
    return title


def make_excerpt(rng: random.Random, event: Event) -> str:
    spec = FOLLOW_UP if event.action == "follow-up" else ACTIONS[event.action]
    parts = [_fill(rng, rng.choice(spec["leads"]), event)]
    details = list(spec["details"])
    rng.shuffle(details)
    parts += [_fill(rng, d, event) for d in details[: rng.choice((0, 1, 1, 2, 2, 3))]]
    facts = [f for f in FACTS if rng.random() < 0.25]
    rng.shuffle(facts)
    parts[1:1] = [_fill(rng, f, event) for f in facts[:2]]
    pool = SENTENCE_POOL[event.topic]
    context = [rng.choice(pool) for _ in range(rng.choice((0, 0, 1, 1, 2)))]
    if context and rng.random() < 0.3:
        parts = context[:1] + parts + context[1:]
    else:
        parts += context
    if rng.random() < 0.1:
        parts[0] = f"{event.place.upper()} — {parts[0]}"
    text = " ".join(_capitalise(p) for p in parts)
    limit = rng.choice((160, 200, 250, 300, 400))
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[:cut].rstrip(",.;:") + " ..."
    return text


# --------------------------------------------------------------------------
# URLs and related items


def _provider(rng: random.Random, taken: set[str]) -> Provider:
    for _ in range(50):
        p = PROVIDERS[_pick_cum(rng, PROVIDER_CUM)]
        if p.domain not in taken:
            taken.add(p.domain)
            return p
    p = rng.choice(PROVIDERS)
    taken.add(p.domain)
    return p


def _link_variant(rng: random.Random, url: str) -> str:
    """The same page as another site links to it."""
    r = rng.random()
    if r < 0.2:
        sep = "&" if "?" in url else "?"
        url += f"{sep}utm_source={rng.choice(('rss', 'twitter', 'newsletter'))}&utm_medium=feed"
    elif r < 0.3:
        url = url.replace("https://", "http://", 1)
    elif r < 0.4:
        url = url.replace("://www.", "://", 1)
    elif r < 0.5:
        url = url[:-1] if url.endswith("/") else url + "/" if "?" not in url else url
    return url


def related_yaml(
    rng: random.Random,
    title: str,
    excerpt: str,
    ts: int,
    url: str,
    amp: tuple[str, str] | None,
    provider: Provider,
) -> str:
    """A ``related`` item, in the generated stores' layout."""
    day_only = ts - ts % DAY if rng.random() < 0.65 else ts
    lines = [
        f"  - title: {q(title)}\n",
        f"    excerpt: {q(excerpt)}\n",
        f"    publishedDateTime: {timestamp(day_only)}\n",
        f"    webUrl: {q(url)}\n",
    ]
    if amp is not None:
        lines.append(f"    ampWebUrl: {q(amp[0])}\n    cdnAmpWebUrl: {q(amp[1])}\n")
    lines.append(
        f"    type: article\n    provider:\n{provider.related_yaml}"
        f"    quality: {rng.randrange(101)}\n"
    )
    return "".join(lines)


def _link_to(rng: random.Random, target: Gen) -> str:
    """A related item naming ``target`` (an article of the store)."""
    r = rng.random()
    if r < 0.7 or target.amp is None or target.cdn is None:
        url = _link_variant(rng, target.url)
    elif r < 0.85:
        url = _link_variant(rng, target.amp)
    else:
        url = target.cdn
    amp = (target.amp, target.cdn) if target.amp and target.cdn and rng.random() < 0.5 else None
    ts = target.time if target.time is not None else target.event.time
    return related_yaml(rng, target.title, target.excerpt, ts, url, amp, target.provider)


def _outside_link(rng: random.Random, event: Event, taken: set[str], serial: int) -> str:
    """A related item naming a page of the same story that is not in the store."""
    provider = _provider(rng, taken)
    title = make_title(rng, event, provider)
    ts = event.time + int(rng.expovariate(1 / (5 * HOUR)))
    url = web_url(rng, provider, title, ts, serial)
    amp = amp_urls(url, rng) if rng.random() < 0.5 else None
    return related_yaml(rng, title, make_excerpt(rng, event), ts, url, amp, provider)


# --------------------------------------------------------------------------
# The store


def _article_time(rng: random.Random, event: Event) -> int:
    if rng.random() < 0.03:
        lag = rng.uniform(36, 72) * HOUR  # a weekly, a late blog post
    else:
        lag = min(rng.expovariate(1 / (5 * HOUR)), 40 * HOUR)
    return event.time + int(lag) // 60 * 60


def build(count: int, seed: int, per_day: float) -> list[Gen]:
    """Every article of the store, in publication order, with its path."""
    _ensure_pools()
    events = plan_events(count, seed, per_day)
    rng = random.Random(seed * 7919 + 1)
    serial = 100_000
    articles: list[Gen] = []
    for event in events:
        taken: set[str] = set()
        for _ in range(event.size):
            provider = _provider(rng, taken)
            title = make_title(rng, event, provider)
            ts = _article_time(rng, event)
            serial += 1
            url = web_url(rng, provider, title, ts, serial)
            amp, cdn = amp_urls(url, rng) if rng.random() < 0.85 else (None, None)
            gen = Gen(
                event, provider, title, make_excerpt(rng, event), ts, url, amp, cdn,
                min(100, max(0, int(rng.triangular(0, 100, 35)))),
            )  # fmt: skip
            event.articles.append(gen)
            if rng.random() < DUPLICATE_URL_RATE:
                again = Gen(
                    event, provider, rng.choice(("UPDATE: ", "Updated: ", "")) + title,
                    make_excerpt(rng, event), ts + rng.randrange(1, 6) * HOUR, url, amp, cdn,
                    gen.quality,
                )  # fmt: skip
                event.articles.append(again)
        for gen in event.articles:
            if rng.random() < NO_DATE_RATE:
                gen.time = None
    # Related lists, once every page exists.
    for event in events:
        members = event.articles
        taken = {a.provider.domain for a in members}
        for gen in members:
            items: list[str] = []
            others = [a for a in members if a.url != gen.url]
            if others and rng.random() < LINK_RATE:
                for target in rng.sample(others, min(len(others), rng.choice((1, 1, 2)))):
                    items.append(_link_to(rng, target))
            if rng.random() < OUTSIDE_LINK_RATE:
                serial += 1
                items.append(_outside_link(rng, event, taken, serial))
            ts = gen.time if gen.time is not None else event.time
            year = 2025 + (ts - START_TIME) // (365 * DAY)
            for n in range(rng.choice((0, 1, 1, 2, 3))):
                items.append(render_related(rng, event.topic, ts, year, n))
            rng.shuffle(items)
            gen.related = items
    articles = [a for e in events for a in e.articles][:count]
    articles.sort(key=lambda a: a.time if a.time is not None else a.event.time)
    times = [a.time if a.time is not None else a.event.time for a in articles]
    folders = _folders(times)
    width = max(6, len(str(count - 1)))
    for i, gen in enumerate(articles):
        gen.path = f"{folders[i]}/{i:0{width}d}_{rng.getrandbits(64):016x}.txt"
    return articles


def to_article(rng: random.Random, gen: Gen) -> Article:
    event = gen.event
    topics = [TOPICS[event.topic]]
    return Article(
        category="news",
        title=gen.title,
        excerpt=gen.excerpt,
        published=gen.time,
        web_url=gen.url,
        amp_url=gen.amp,
        cdn_url=gen.cdn,
        type="article",
        quality=gen.quality,
        heat=int(-10 + 110 * rng.random() ** 2.5),
        flag=rng.random() < 0.6,
        provider=gen.provider,
        topics=topics,
        related=gen.related,
        extra=[],
        secured=_secured(rng),
        body="",
    )


def _accents_dropped(gen: Gen) -> None:
    """Some providers write plain ASCII: "Zurich", "Muller"."""
    gen.title = _strip_accents(gen.title)
    gen.excerpt = _strip_accents(gen.excerpt)


def generate(out: Path | str, count: int, seed: int = 1, per_day: float = 150.0) -> bool:
    """Write the store to ``out``; False when it was already there."""
    out = Path(out)
    if count < 1:
        raise ValueError("count must be at least 1")
    params = {"version": VERSION, "count": count, "seed": seed, "per_day": per_day}
    sidecar = out / SIDECAR
    if sidecar.is_file():
        try:
            old = json.loads(sidecar.read_text(encoding="utf-8"))
        except ValueError:
            old = {}
        if all(old.get(k) == v for k, v in params.items()):
            return False
        shutil.rmtree(out)
    elif out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise FileExistsError(f"{out} is not empty and was not made by this generator")
    articles = build(count, seed, per_day)
    rng = random.Random(seed * 104_729 + 2)
    accentless = {p.domain for p in PROVIDERS if random.Random(p.domain).random() < 0.25}
    for folder in sorted({a.path.rpartition("/")[0] for a in articles}):
        (out / folder).mkdir(parents=True, exist_ok=True)
    for gen in articles:
        if gen.provider.domain in accentless:
            _accents_dropped(gen)
        (out / gen.path).write_text(render(to_article(rng, gen)), encoding="utf-8")
    truth = {
        **params,
        "stories": {a.path: a.event.label for a in articles},
        "kinds": {a.event.label: a.event.kind for a in articles},
    }
    sidecar.write_text(json.dumps(truth, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    return True


def read_truth(out: Path | str) -> dict[str, str]:
    """path -> true story label, from a generated store's sidecar."""
    data = json.loads((Path(out) / SIDECAR).read_text(encoding="utf-8"))
    stories: dict[str, str] = data["stories"]
    return stories


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Generate a store with known stories.")
    parser.add_argument("--count", type=int, required=True, help="number of articles")
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--per-day", type=float, default=150.0, help="articles per day (default 150)"
    )
    args = parser.parse_args(argv)
    try:
        made = generate(args.out, args.count, args.seed, args.per_day)
    except (OSError, ValueError) as exc:
        print(f"generate_stories: {exc}", file=sys.stderr)
        return 2
    truth = read_truth(args.out)
    print(
        f"{args.out}: {len(truth)} articles, {len(set(truth.values()))} stories"
        + ("" if made else " (up to date)")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
