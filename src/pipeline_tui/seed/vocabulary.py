"""The words and shapes demo data is made of; tuning lives here, not in the loops."""

from __future__ import annotations

from dataclasses import dataclass

QUARTERS_BACK, QUARTERS_AHEAD = 8, 4
# Deal density per quarter, oldest first: the business grew into today's quarter and
# pipeline thins out further ahead, as real pipelines do.
QUARTER_WEIGHTS = (0.55, 0.6, 0.66, 0.72, 0.78, 0.85, 0.92, 1.0, 1.08, 0.95, 0.75, 0.55, 0.4)
QUOTA_GROWTH = 1.03  # per quarter, from today's quarter on
BASE_WIN_RATE = 0.32
AMOUNT_SIGMA, MIN_AMOUNT, MAX_AMOUNT = 1.15, 100, 5_000_000  # dollars
OVERDUE_SHARE = 0.04  # of past-dated deals, left open
NO_CLOSE_DATE_SHARE, OMITTED_SHARE, NEXT_STEP_SHARE = 0.02, 0.03, 0.85  # of open deals
MANAGER_OWNED_SHARE, NOTE_SHARE = 0.02, 0.05  # of all deals
CHANGE_SHARE = 0.5  # of open deals: with 1-3 edits each, about 0.3 changes per deal
CHANGE_WINDOW_DAYS = 60
CLOSING_HISTORY_DAYS = 21  # deals closed this recently get their closing in the history
# The rep's last open probability on deals that were then won / lost (mean, spread, in
# points, before the rep's bias): with about a third of deals won, the stated
# probabilities run some 8 points above the outcomes in every band, as reps' do.
STATED_WON, STATED_LOST = (55.0, 20.0), (33.0, 20.0)

# Word tables read best packed; the formatter would put one word on each line.
# fmt: off
FIRST_NAMES = (
    "Alex", "Sam", "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Jamie", "Avery", "Quinn",
    "Priya", "Ravi", "Mei", "Hana", "Yuki", "Omar", "Layla", "Lucas", "Sofia", "Mateo",
    "Elena", "Noah", "Emma", "Liam", "Olivia", "Ethan", "Ava", "Mia", "Leo", "Nora", "Ivan",
    "Anya", "Kofi", "Amara", "Diego", "Lucia", "Sven", "Freya", "Tariq", "Zara", "Ben",
    "Grace", "Owen", "Chloe", "Felix", "Ruby",
)
LAST_NAMES = (
    "Kim", "Patel", "Nguyen", "Garcia", "Smith", "Chen", "Johnson", "Rossi", "Muller",
    "Silva", "Okafor", "Haddad", "Novak", "Jensen", "Larsen", "Tanaka", "Sato", "Cohen",
    "Walsh", "Murphy", "Brown", "Lopez", "Martin", "Dubois", "Costa", "Ali", "Khan", "Singh",
    "Park", "Wong", "Fischer", "Weber", "Moreau", "Ramos", "Hughes", "Fraser", "Reid", "Byrne",
    "Lindqvist", "Berg",
)
SEGMENTS = ("Enterprise", "Mid-Market", "Commercial", "Strategic", "Public Sector", "SMB")
REGIONS = ("East", "West", "Central", "North", "South", "EMEA", "APAC", "LATAM", "Nordics",
           "DACH")
# Single words, so that every (word, trade, suffix) triple spells a different name.
COMPANY_WORDS = (
    "Acme", "Apex", "Atlas", "Beacon", "Bluebird", "Bright", "Cedar", "Cobalt", "Crest",
    "Delta", "Echo", "Ember", "Evergreen", "Falcon", "Granite", "Harbor", "Horizon", "Iron",
    "Juniper", "Keystone", "Lumen", "Maple", "Meridian", "Nova", "Oak", "Orbit", "Pine",
    "Quantum", "Redwood", "Sierra", "Silver", "Summit", "Terra", "Vertex", "Willow", "Zenith",
    "Northwind",
)
COMPANY_TRADES = (
    "Analytics", "Logistics", "Health", "Foods", "Energy", "Systems", "Robotics", "Media",
    "Capital", "Labs", "Retail", "Motors", "Pharma", "Software", "Networks", "Insurance",
    "Textiles", "Aerospace", "Bank", "Telecom", "Airlines", "Hotels", "Biotech", "Mining",
    "Chemicals", "Freight", "Studios", "Security", "Dynamics",
)
COMPANY_SUFFIXES = ("Inc", "Ltd", "Group", "Corp", "LLC", "GmbH", "Co", "Holdings", "SA", "plc")
PRODUCTS = (
    "Platform", "Analytics", "Data Connectors", "Security Suite", "Premium Support",
    "API Access", "Mobile", "Training", "Additional Seats", "Integrations", "Compliance Pack",
    "Reporting",
)
NEXT_STEPS = (
    "Send proposal", "Security review call", "Demo for the wider team", "Pricing call with CFO",
    "Legal redlines", "Confirm budget", "Book exec sponsor meeting", "Chase signed order form",
    "Technical deep dive", "Send mutual close plan", "Procurement onboarding", "Reference call",
)
NOTE_TEXTS = (
    "Champion confirmed budget for this quarter", "Procurement wants a three-year term",
    "Competitor is offering a steep discount", "Exec sponsor meeting went well",
    "Waiting on the security questionnaire", "Scope cut back to the first two teams",
    "Decision moved to the next board meeting", "Legal is reviewing our paper",
)
LOST_REASONS = ("Price", "Competitor", "No decision", "Timing", "Budget")
# fmt: on
CATEGORY_BEFORE = {  # a plausible previous forecast category for each current one
    "pipeline": "best_case",
    "best_case": "pipeline",
    "commit": "best_case",
    "omitted": "pipeline",
}


@dataclass(frozen=True)
class OpenStage:
    name: str
    probability: int
    # How common the stage is among open deals closing later / within ~6 weeks: deals
    # about to close are mostly in late stages.
    weight_far: int
    weight_near: int


@dataclass(frozen=True)
class PipelineSpec:
    name: str
    share: int  # percent of deals
    median: int  # deal size in dollars
    deal_suffix: str
    open_stages: tuple[OpenStage, ...]
    won: str
    lost: str

    def stages(self) -> list[tuple[str, int, str]]:
        """(name, default probability, kind) in position order."""
        named = [(s.name, s.probability, "open") for s in self.open_stages]
        return [*named, (self.won, 100, "won"), (self.lost, 0, "lost")]


# fmt: off
PIPELINES = (
    PipelineSpec("New Business", 70, 30_000, "", (
        OpenStage("Prospecting", 10, 30, 6), OpenStage("Qualification", 20, 25, 10),
        OpenStage("Discovery", 30, 18, 16), OpenStage("Proposal", 50, 12, 24),
        OpenStage("Negotiation", 70, 9, 24), OpenStage("Contract Sent", 90, 6, 20),
    ), "Closed Won", "Closed Lost"),
    PipelineSpec("Renewals", 18, 20_000, " renewal", (
        OpenStage("Upcoming", 60, 60, 25), OpenStage("In Negotiation", 75, 30, 40),
        OpenStage("Verbal Commit", 90, 10, 35),
    ), "Renewed", "Churned"),
    PipelineSpec("Expansion", 12, 12_000, " expansion", (
        OpenStage("Identified", 20, 50, 20), OpenStage("Scoping", 40, 35, 40),
        OpenStage("Proposal", 60, 15, 40),
    ), "Closed Won", "Closed Lost"),
)
# fmt: on
