"""The words Avonford is made of: given names by birth era, surnames by heritage, streets and neighbourhoods.

Shares are rough figures for an English core city (ONS 2021 census, Bristol-like); names follow the era's popular lists.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Heritage(enum.StrEnum):
    """Which name pools a household draws from; also gives the ethnicity a council records."""

    WHITE_BRITISH = "white_british"
    WHITE_OTHER = "white_other"
    SOUTH_ASIAN = "south_asian"
    BLACK = "black"
    MIXED = "mixed"


@dataclass(frozen=True)
class HeritageNames:
    share: float
    ethnicities: tuple[str, ...]
    surnames: tuple[str, ...]
    female: tuple[str, ...]
    male: tuple[str, ...]


# Surnames of England and Wales, most common first, with a weight roughly proportional to frequency (per 10,000).
BRITISH_SURNAMES: tuple[tuple[str, int], ...] = (
    ("Smith", 126), ("Jones", 75), ("Williams", 59), ("Taylor", 50), ("Brown", 50), ("Davies", 48), ("Evans", 37),
    ("Wilson", 35), ("Thomas", 34), ("Johnson", 33), ("Roberts", 33), ("Robinson", 29), ("Thompson", 29),
    ("Wright", 28), ("Walker", 27), ("White", 26), ("Edwards", 25), ("Hughes", 25), ("Green", 25), ("Hall", 24),
    ("Lewis", 23), ("Harris", 23), ("Clarke", 22), ("Jackson", 21), ("Wood", 21), ("Turner", 20), ("Martin", 20),
    ("Cooper", 20), ("Hill", 20), ("Ward", 19), ("Morris", 19), ("Moore", 19), ("Clark", 19), ("Lee", 18),
    ("King", 18), ("Baker", 18), ("Harrison", 17), ("Morgan", 17), ("Allen", 17), ("James", 17), ("Scott", 16),
    ("Phillips", 16), ("Watson", 16), ("Davis", 16), ("Parker", 15), ("Price", 15), ("Bennett", 15), ("Young", 15),
    ("Griffiths", 15), ("Mitchell", 15), ("Kelly", 14), ("Cook", 14), ("Carter", 14), ("Richardson", 14),
    ("Bailey", 14), ("Collins", 14), ("Bell", 13), ("Shaw", 13), ("Murphy", 13), ("Miller", 13), ("Cox", 13),
    ("Richards", 13), ("Marshall", 12), ("Anderson", 12), ("Simpson", 12), ("Ellis", 12), ("Adams", 12),
    ("Wilkinson", 12), ("Foster", 11), ("Chapman", 11), ("Powell", 11), ("Webb", 11), ("Rogers", 11), ("Gray", 11),
    ("Mason", 11), ("Hunt", 10), ("Holmes", 10), ("Palmer", 10), ("Knight", 10), ("Lloyd", 10), ("Russell", 10),
    ("Butler", 10), ("Barker", 10), ("Stevens", 10), ("Pearce", 10), ("Fisher", 10), ("O'Brien", 9), ("Fletcher", 9),
    ("Dawson", 9), ("Hayes", 9), ("Howard", 9), ("Gibson", 9), ("Ford", 9), ("Fox", 9), ("Rose", 9), ("Lawrence", 9),
    ("Reynolds", 9), ("Hart", 8), ("Holland", 8), ("Stone", 8), ("Marsh", 8), ("Owen", 8), ("Sutton", 8), ("Dixon", 8),
    ("Barnes", 8), ("Ross", 8), ("Watts", 8), ("Hunter", 8), ("Jenkins", 8), ("Burton", 8), ("Matthews", 8),
    ("Saunders", 8), ("Harvey", 8), ("Newman", 7), ("Byrne", 7), ("Kennedy", 7), ("McDonald", 7), ("O'Neill", 6),
    ("Fitzgerald", 6), ("Ashworth", 5), ("Pugh", 5), ("Sharpe", 5), ("Bowen-Price", 2), ("Lloyd-Evans", 2),
    ("Ffrench", 1), ("Le Page", 1), ("St John", 1),
)  # fmt: skip

# Given names by sex and the decade band a person was born in: (first birth year of the band, names).
BRITISH_FEMALE_BY_ERA: tuple[tuple[int, tuple[str, ...]], ...] = (
    (0, ("Margaret", "Joan", "Dorothy", "Mary", "Patricia", "Doris", "Jean", "Betty", "Barbara", "Irene",
         "Elizabeth", "Joyce", "Kathleen", "Eileen", "Sheila", "Audrey", "Winifred", "Edna", "Phyllis", "Marjorie",
         "Evelyn", "Vera", "Ivy", "Gladys", "Florence", "Lillian", "Agnes", "Edith")),
    (1945, ("Susan", "Linda", "Christine", "Margaret", "Janet", "Patricia", "Carol", "Elizabeth", "Mary", "Anne",
            "Jacqueline", "Karen", "Julie", "Deborah", "Sandra", "Gillian", "Pauline", "Lesley", "Helen", "Alison",
            "Jennifer", "Catherine", "Valerie", "Jane", "Diane", "Judith", "Rosemary", "Angela")),
    (1970, ("Sarah", "Claire", "Emma", "Nicola", "Lisa", "Joanne", "Michelle", "Helen", "Samantha", "Rachel",
            "Karen", "Amanda", "Louise", "Victoria", "Rebecca", "Kelly", "Laura", "Gemma", "Katherine", "Elizabeth",
            "Jennifer", "Stephanie", "Natalie", "Deborah")),
    (1990, ("Jessica", "Sophie", "Charlotte", "Hannah", "Emily", "Lauren", "Amy", "Chloe", "Rebecca", "Megan",
            "Laura", "Katie", "Georgia", "Bethany", "Holly", "Abigail", "Eleanor", "Lucy", "Olivia", "Ellie")),
    (2005, ("Olivia", "Amelia", "Isla", "Ava", "Emily", "Sophia", "Grace", "Mia", "Poppy", "Ella", "Lily", "Evie",
            "Isabella", "Freya", "Charlotte", "Florence", "Matilda", "Isabelle", "Rosie", "Daisy")),
)  # fmt: skip

BRITISH_MALE_BY_ERA: tuple[tuple[int, tuple[str, ...]], ...] = (
    (0, ("William", "John", "George", "Thomas", "James", "Arthur", "Frederick", "Albert", "Robert", "Charles",
         "Ernest", "Harold", "Kenneth", "Leslie", "Reginald", "Stanley", "Walter", "Frank", "Edward", "Henry",
         "Ronald", "Dennis")),
    (1945, ("David", "John", "Michael", "Peter", "Robert", "Paul", "Stephen", "Richard", "Christopher", "Andrew",
            "Anthony", "Alan", "Ian", "Brian", "Keith", "Graham", "Martin", "Philip", "Kevin", "Trevor", "Nigel",
            "Geoffrey", "William", "James")),
    (1970, ("David", "Paul", "Mark", "Andrew", "Richard", "Daniel", "Christopher", "James", "Matthew", "Michael",
            "Steven", "Lee", "Craig", "Darren", "Jason", "Wayne", "Stuart", "Jonathan", "Simon", "Gareth", "Neil",
            "Benjamin", "John")),
    (1990, ("Thomas", "James", "Jack", "Daniel", "Matthew", "Joshua", "Luke", "Samuel", "Ryan", "Benjamin", "Adam",
            "Jordan", "Callum", "Liam", "Alexander", "Connor", "Nathan", "Jake", "Joseph", "Oliver")),
    (2005, ("Oliver", "George", "Harry", "Noah", "Jack", "Leo", "Arthur", "Charlie", "Oscar", "Jacob", "Thomas",
            "Freddie", "Alfie", "Theo", "William", "Henry", "Archie", "Joshua", "Alexander", "Edward")),
)  # fmt: skip

OTHER_HERITAGES: dict[Heritage, HeritageNames] = {
    Heritage.WHITE_OTHER: HeritageNames(
        share=0.06,
        ethnicities=("White: Any other White background",),
        surnames=("Nowak", "Kowalski", "Wisniewski", "Wojcik", "Kowalczyk", "Kaminski", "Lewandowski", "Zielinski",
                  "Szymanski", "Wozniak", "Popescu", "Ionescu", "Silva", "Santos", "Rossi"),
        female=("Anna", "Agnieszka", "Katarzyna", "Magdalena", "Joanna", "Monika", "Aleksandra", "Zofia", "Maja",
                "Julia", "Elena", "Ana"),
        male=("Piotr", "Tomasz", "Krzysztof", "Pawel", "Michal", "Marcin", "Jakub", "Kacper", "Szymon", "Jan",
              "Andrei", "Joao"),
    ),
    Heritage.SOUTH_ASIAN: HeritageNames(
        share=0.06,
        ethnicities=("Asian or Asian British: Pakistani", "Asian or Asian British: Indian",
                     "Asian or Asian British: Bangladeshi"),
        surnames=("Khan", "Ali", "Ahmed", "Hussain", "Patel", "Shah", "Akhtar", "Iqbal", "Mahmood", "Rahman",
                  "Singh", "Kaur", "Sharma", "Chowdhury", "Miah"),
        female=("Aisha", "Fatima", "Ayesha", "Zainab", "Maryam", "Amina", "Priya", "Anjali", "Sana", "Nadia",
                "Hafsa", "Khadija", "Saima", "Shabana"),
        male=("Mohammed", "Muhammad", "Ali", "Ahmed", "Hassan", "Ibrahim", "Omar", "Yusuf", "Imran", "Bilal", "Raj",
              "Arjun", "Sanjay", "Tariq"),
    ),
    Heritage.BLACK: HeritageNames(
        share=0.06,
        ethnicities=("Black, Black British, Caribbean or African: African",
                     "Black, Black British, Caribbean or African: Caribbean"),
        surnames=("Abdi", "Hassan", "Mohamed", "Farah", "Osman", "Okafor", "Mensah", "Adeyemi", "Campbell",
                  "Francis", "Clarke", "Boateng", "Asante", "Ali", "Warsame"),
        female=("Hodan", "Fadumo", "Amina", "Grace", "Blessing", "Abena", "Chantelle", "Faith", "Nia", "Shanice",
                "Ruth", "Esther", "Hawa", "Sagal"),
        male=("Abdi", "Mohamed", "Ahmed", "Kwame", "Kofi", "Emmanuel", "Samuel", "Tyrone", "Marcus", "Daniel",
              "Joseph", "Delroy", "Abdirahman", "Kareem"),
    ),
}  # fmt: skip

BRITISH_ETHNICITIES: dict[Heritage, str] = {
    Heritage.WHITE_BRITISH: "White: English, Welsh, Scottish, Northern Irish or British",
    Heritage.MIXED: "Mixed or Multiple ethnic groups: White and Black Caribbean",
}
HERITAGE_SHARES: tuple[tuple[Heritage, float], ...] = (
    (Heritage.WHITE_BRITISH, 0.775),
    (Heritage.MIXED, 0.045),
    *((h, names.share) for h, names in OTHER_HERITAGES.items()),
)

STREET_STEMS: tuple[str, ...] = (
    "Acacia", "Albert", "Alma", "Ashley", "Avon", "Beech", "Belmont", "Berkeley", "Birch", "Bishop", "Brook",
    "Cedar", "Chestnut", "Church", "Clarence", "Clifton", "College", "Coronation", "Cromwell", "Derby", "Dove",
    "Elm", "Exeter", "Fairfield", "Ferndale", "Forest", "Gloucester", "Grange", "Green", "Grosvenor", "Hamilton",
    "Hawthorn", "Hazel", "Highfield", "Hill", "Holly", "Ivy", "Kingsley", "Lansdown", "Laurel", "Lime", "Linden",
    "Manor", "Maple", "Market", "Meadow", "Mill", "Nelson", "Newton", "North", "Oak", "Orchard", "Park", "Priory",
    "Queens", "Raleigh", "Redland", "Richmond", "Rose", "Royal", "St Marks", "St Pauls", "Sandy", "School",
    "Severn", "Somerset", "South", "Springfield", "Station", "Stanley", "Sycamore", "Tower", "Vale", "Victoria",
    "Walnut", "Water", "Wellington", "West", "Willow", "Windsor", "Wood", "York",
)  # fmt: skip
STREET_KINDS: tuple[str, ...] = (
    "Road", "Street", "Avenue", "Close", "Lane", "Gardens", "Crescent", "Grove", "Terrace", "Way", "Drive", "Place",
)  # fmt: skip

# Avonford's postcode districts (BS1 to BS16) and the neighbourhood each covers.
DISTRICTS: tuple[tuple[str, str], ...] = (
    ("BS1", "City Centre"), ("BS2", "St Judes"), ("BS3", "Bedminster"), ("BS4", "Knowle"), ("BS5", "Easton"),
    ("BS6", "Redland"), ("BS7", "Horfield"), ("BS8", "Clifton"), ("BS9", "Westbury"), ("BS10", "Southmead"),
    ("BS11", "Avonmouth"), ("BS13", "Hartcliffe"), ("BS14", "Stockwood"), ("BS15", "Kingswood"),
    ("BS16", "Fishponds"), ("BS12", "Filton"),
)  # fmt: skip
