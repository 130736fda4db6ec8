"""Given names and their common English nicknames (Bill ~ William, Peggy ~ Margaret), shared by synth and linkage.

A nickname may stand for several names (Alex: Alexander, Alexandra), so lookups return sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from types import MappingProxyType

from socialdata.identity.names import normalise_name

_TABLE: dict[str, tuple[str, ...]] = {
    "Abigail": ("Abby", "Abbie", "Gail"),
    "Adam": ("Ad",),
    "Agnes": ("Aggie", "Nessa"),
    "Albert": ("Al", "Bert", "Bertie"),
    "Alexander": ("Alex", "Alec", "Sandy", "Xander", "Sasha"),
    "Alexandra": ("Alex", "Alexa", "Sandra", "Sandy", "Lexie", "Sasha"),
    "Alfred": ("Alf", "Alfie", "Fred", "Freddie"),
    "Alice": ("Ally", "Allie", "Elsie"),
    "Alison": ("Ali", "Ally", "Allie"),
    "Amanda": ("Mandy", "Manda"),
    "Andrew": ("Andy", "Drew"),
    "Angela": ("Angie", "Ange"),
    "Ann": ("Annie", "Nan", "Nancy"),
    "Anne": ("Annie", "Nan", "Nancy"),
    "Anthony": ("Tony", "Ant"),
    "Archibald": ("Archie", "Baldie"),
    "Arthur": ("Art", "Artie"),
    "Barbara": ("Barb", "Babs", "Barbie"),
    "Benjamin": ("Ben", "Benny", "Benji"),
    "Bernard": ("Bernie", "Barney"),
    "Beverley": ("Bev",),
    "Bridget": ("Biddy", "Bridie"),
    "Callum": ("Cal",),
    "Caroline": ("Carol", "Carrie", "Caro"),
    "Catherine": ("Cathy", "Cath", "Kate", "Katie", "Kay"),
    "Charles": ("Charlie", "Chas", "Chuck"),
    "Charlotte": ("Charlie", "Lottie", "Lotte"),
    "Christine": ("Chris", "Chrissie", "Tina"),
    "Christopher": ("Chris", "Kit", "Topher"),
    "Clifford": ("Cliff",),
    "Cornelius": ("Con", "Neil"),
    "Cynthia": ("Cindy",),
    "Daniel": ("Dan", "Danny"),
    "David": ("Dave", "Davy", "Davey"),
    "Deborah": ("Debbie", "Debs", "Deb"),
    "Dennis": ("Den",),
    "Dominic": ("Dom",),
    "Donald": ("Don", "Donnie"),
    "Dorothy": ("Dot", "Dottie", "Dolly", "Dora"),
    "Douglas": ("Doug", "Dougie"),
    "Edmund": ("Ed", "Eddie", "Ted", "Ned"),
    "Edward": ("Ed", "Eddie", "Ted", "Teddy", "Ned"),
    "Edwin": ("Ed", "Eddie"),
    "Eleanor": ("Ellie", "Nell", "Nellie", "Nora"),
    "Elizabeth": ("Liz", "Lizzie", "Beth", "Betty", "Bet", "Bess", "Eliza", "Elsie", "Libby"),
    "Ellen": ("Ellie", "Nell", "Nellie"),
    "Emily": ("Em", "Emmy", "Millie"),
    "Emma": ("Em", "Emmy"),
    "Eugene": ("Gene",),
    "Evelyn": ("Evie", "Eve"),
    "Florence": ("Flo", "Florrie", "Flossie"),
    "Frances": ("Fran", "Frankie", "Fanny"),
    "Francis": ("Frank", "Frankie"),
    "Frederick": ("Fred", "Freddie", "Freddy"),
    "Gareth": ("Gaz",),
    "Gary": ("Gaz",),
    "Geoffrey": ("Geoff",),
    "George": ("Georgie",),
    "Georgina": ("Georgie", "Gina"),
    "Gerald": ("Gerry", "Jerry"),
    "Gillian": ("Gill", "Jill"),
    "Gregory": ("Greg",),
    "Gwendolyn": ("Gwen", "Wendy"),
    "Harold": ("Harry", "Hal"),
    "Harriet": ("Hattie", "Harry"),
    "Helen": ("Nell", "Nellie"),
    "Henry": ("Harry", "Hal", "Hank"),
    "Herbert": ("Herb", "Bert", "Bertie"),
    "Isabel": ("Izzy", "Bella", "Belle"),
    "Isabella": ("Izzy", "Bella", "Belle"),
    "Isabelle": ("Izzy", "Bella", "Belle"),
    "Jacob": ("Jake", "Jakey"),
    "Jacqueline": ("Jackie", "Jacqui"),
    "James": ("Jim", "Jimmy", "Jamie", "Jimbo"),
    "Janet": ("Jan", "Jenny"),
    "Jennifer": ("Jen", "Jenny", "Jenni"),
    "Jessica": ("Jess", "Jessie"),
    "Joanna": ("Jo",),
    "Joanne": ("Jo",),
    "John": ("Jack", "Johnny", "Jon"),
    "Jonathan": ("Jon", "Jonny"),
    "Joseph": ("Joe", "Joey"),
    "Josephine": ("Jo", "Josie", "Jose"),
    "Joshua": ("Josh",),
    "Judith": ("Judy", "Jude"),
    "Julia": ("Jules",),
    "Katherine": ("Kathy", "Kath", "Kate", "Katie", "Kay", "Kit"),
    "Kathleen": ("Kath", "Kathy", "Kay"),
    "Kenneth": ("Ken", "Kenny"),
    "Lawrence": ("Larry", "Laurie"),
    "Leonard": ("Len", "Lenny", "Leo"),
    "Leslie": ("Les",),
    "Lillian": ("Lily", "Lil"),
    "Louisa": ("Lou", "Lulu"),
    "Louise": ("Lou", "Lulu"),
    "Lucy": ("Luce",),
    "Margaret": ("Maggie", "Peggy", "Meg", "Madge", "Marge", "Mags", "Greta", "Daisy", "Rita"),
    "Marjorie": ("Marge", "Margie"),
    "Mary": ("Molly", "Polly", "Mae", "Mamie"),
    "Matilda": ("Tilly", "Tilda", "Maud"),
    "Matthew": ("Matt", "Matty"),
    "Michael": ("Mike", "Mick", "Micky", "Mickey"),
    "Michelle": ("Shell", "Shelley"),
    "Nathan": ("Nate",),
    "Nathaniel": ("Nat", "Nate"),
    "Nicholas": ("Nick", "Nicky", "Nico"),
    "Nicola": ("Nicky", "Nikki"),
    "Norman": ("Norm",),
    "Oliver": ("Ollie", "Olly"),
    "Olivia": ("Liv", "Livvy", "Ollie"),
    "Patricia": ("Pat", "Patsy", "Trish", "Tricia", "Patty"),
    "Patrick": ("Pat", "Paddy"),
    "Penelope": ("Penny",),
    "Peter": ("Pete",),
    "Philip": ("Phil", "Pip"),
    "Phillip": ("Phil",),
    "Rachel": ("Rach",),
    "Raymond": ("Ray",),
    "Rebecca": ("Becky", "Becca", "Bex"),
    "Reginald": ("Reg", "Reggie"),
    "Richard": ("Rick", "Ricky", "Dick", "Rich", "Richie"),
    "Robert": ("Bob", "Bobby", "Rob", "Robbie", "Bert"),
    "Rodney": ("Rod",),
    "Ronald": ("Ron", "Ronnie"),
    "Rosemary": ("Rose", "Rosie"),
    "Samantha": ("Sam", "Sammy"),
    "Samuel": ("Sam", "Sammy"),
    "Sarah": ("Sally", "Sadie"),
    "Sebastian": ("Seb", "Bas"),
    "Sidney": ("Sid",),
    "Sophia": ("Sophie",),
    "Stanley": ("Stan",),
    "Stephanie": ("Steph",),
    "Stephen": ("Steve", "Stevie"),
    "Steven": ("Steve", "Stevie"),
    "Stuart": ("Stu",),
    "Susan": ("Sue", "Susie", "Suzy"),
    "Suzanne": ("Sue", "Suzy"),
    "Terence": ("Terry", "Tel"),
    "Theodore": ("Theo", "Ted", "Teddy"),
    "Thomas": ("Tom", "Tommy"),
    "Timothy": ("Tim", "Timmy"),
    "Valerie": ("Val",),
    "Victoria": ("Vicky", "Vikki", "Tori"),
    "Vincent": ("Vince", "Vinny"),
    "Walter": ("Walt", "Wally"),
    "William": ("Bill", "Billy", "Will", "Willie", "Liam"),
    "Winifred": ("Winnie", "Freda"),
    "Zachary": ("Zach", "Zack"),
}

NICKNAMES: Mapping[str, frozenset[str]] = MappingProxyType(
    {k.upper(): frozenset(n.upper() for n in v) for k, v in _TABLE.items()}
)
"""Canonical given name (upper case) to its common nicknames (upper case)."""


@cache
def _canonicals_by_nickname() -> Mapping[str, frozenset[str]]:
    found: dict[str, set[str]] = {}
    for canonical, nicknames in NICKNAMES.items():
        for nickname in nicknames:
            found.setdefault(nickname, set()).add(canonical)
    return {k: frozenset(v) for k, v in found.items()}


def nicknames_of(name: str | None) -> frozenset[str]:
    """The nicknames of a canonical given name (empty when it has none or is not in the table)."""
    key = normalise_name(name)
    return NICKNAMES.get(key, frozenset()) if key else frozenset()


def canonical_forms(name: str | None) -> frozenset[str]:
    """The canonical names a given name may stand for: itself when canonical, plus every name it is a nickname of."""
    key = normalise_name(name)
    if not key:
        return frozenset()
    forms = set(_canonicals_by_nickname().get(key, frozenset()))
    if key in NICKNAMES:
        forms.add(key)
    return frozenset(forms)


def are_nickname_variants(a: str | None, b: str | None) -> bool:
    """True when two given names can be the same person's name: equal, or one a nickname of the other or of a shared
    canonical name (Peggy ~ Maggie through Margaret)."""
    left, right = normalise_name(a), normalise_name(b)
    if not left or not right:
        return False
    if left == right:
        return True
    return bool((canonical_forms(left) | {left}) & (canonical_forms(right) | {right}))
