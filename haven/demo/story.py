"""Two years of concerns and cases in every demo school (the first ``DEMO_STEPS`` step).

Shaped like the county review and the policy; written through the real services at each
moment of the story (:func:`haven.core.clock.history`)."""

from __future__ import annotations

import bisect
import datetime as dt
import functools
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypedDict

from haven.accounts.models import User
from haven.cases.models import Case, CaseEvent, Referral, Task
from haven.cases.schooldays import add_school_days
from haven.cases.services import (
    case_access_set,
    case_add_concern,
    case_event_record,
    case_open,
    case_prompts,
    consideration_answer,
    current_routes,
    decision_record,
    decisions_record,
    parents_informed_record,
    prompts_explained,
    referral_make,
    referral_outcome_record,
    sanction_record,
    support_record,
    task_add,
    task_complete,
)
from haven.concerns import rules
from haven.concerns.models import Alert, Category, ChildRole, Concern, Location
from haven.concerns.rules import age_on
from haven.concerns.services import (
    ChildInConcern,
    MarkOnBody,
    amendment_add,
    concern_acknowledge,
    concern_close_no_further_action,
    concern_submit,
)
from haven.core.clock import history
from haven.demo.dates import DEMO_NOW, DEMO_TODAY, LONDON, TERM_DAYS
from haven.demo.world import ACADEMIC_YEAR_START, SCHOOLS, DemoWorld, SchoolSpec, random_stream, year_offset
from haven.organisations.models import School
from haven.people.models import Pupil, SenStatus, Sex

# --------------------------------------------------------------------------------------
# Two years of concerns and cases (a DEMO_STEPS step)
# --------------------------------------------------------------------------------------
#
# Shaped like the county review and the policy: most concerns are bullying and online
# bullying; sexual violence and harassment are a few per cent (the review's ESAS tables run
# at 2-5 %); hot spots are corridors, toilets and online, with the platforms named. Each
# concern is written through the real services (concern_submit, case_open, decision_record
# ...) with the clock set to the moment it happened in the story, so the audit chain,
# references, statutory prompts and every validation are exactly what a school would get.

# How busy each month is, from the review's monthly enquiries to the advice service
# (September and November peak, January and April are quiet).
_MONTH_WEIGHT = {9: 1.25, 10: 1.05, 11: 1.25, 12: 1.0, 1: 0.75, 2: 0.8, 3: 1.1, 4: 0.8, 5: 1.0, 6: 0.95, 7: 0.9}
# Concerns a year for each pupil: about one for every nine pupils in a secondary.
_RATE = {"secondary": 0.11, "primary": 0.045, "special": 0.07}
# The last school days before "today" hold only the concerns still waiting for triage.
_RECENT_DAYS = 3

# Category code -> weight, per kind of school (or part of an all-through school).
_CATEGORY_WEIGHTS: dict[str, dict[str, float]] = {
    "secondary": {
        "bullying": 33, "online_bullying": 25, "physical": 15,
        "racist": 5, "homophobic": 3, "transphobic": 1, "biphobic": 0.3, "disability": 2, "sexist": 1.2,
        "sexual_comments": 0.9, "sexual_jokes": 0.5, "online_sexual_harassment": 0.7, "sexual_physical": 0.4,
        "upskirting": 0.15, "relationship_abuse": 1.4, "hazing": 0.8, "hate": 1.0, "harmful_sexual_behaviour": 0.6,
    },
    "primary": {
        "bullying": 38, "physical": 28, "online_bullying": 14, "racist": 5, "disability": 3, "sexist": 2,
        "homophobic": 1, "harmful_sexual_behaviour": 2.5, "sexual_comments": 0.5,
    },
    "special": {
        "physical": 35, "bullying": 25, "online_bullying": 8, "disability": 10, "harmful_sexual_behaviour": 6,
        "sexual_physical": 2, "sexual_comments": 1,
    },
}  # fmt: skip
_GROUP = {
    "bullying": "bullying", "online_bullying": "online", "physical": "physical",
    "racist": "prejudice", "homophobic": "prejudice", "biphobic": "prejudice", "transphobic": "prejudice",
    "disability": "prejudice", "sexist": "prejudice",
    "sexual_comments": "sh_verbal", "sexual_jokes": "sh_verbal", "online_sexual_harassment": "sh_online",
    "sexual_physical": "sh_contact", "upskirting": "upskirting", "sexual_assault": "sa", "nudes": "nudes",
    "harmful_sexual_behaviour": "hsb", "relationship_abuse": "relationship", "hazing": "hazing", "hate": "hate",
    "cce": "cce", "radicalisation": "radicalisation",
}  # fmt: skip
# Groups that always become a case (never closed with no further action at triage).
_SERIOUS = frozenset(
    {"sh_verbal", "sh_online", "sh_contact", "upskirting", "sa", "nudes", "hsb", "relationship", "hate", "cce"}
    | {"radicalisation", "hazing"}
)
_URGENT_GROUPS = frozenset({"sa", "cce", "radicalisation", "nudes", "upskirting"})
# The youngest year group (at the time) for a kind of concern in a secondary.
_MIN_YEAR = {"nudes": 9, "relationship": 9, "cce": 9, "radicalisation": 9, "sa": 9, "upskirting": 8, "hazing": 8}
_MIN_YEAR_PRIMARY = {"sh_verbal": 4, "sh_contact": 3, "hsb": 2, "online": 2, "prejudice": 1}
_YEAR_WEIGHT = {0: 0.3, 1: 0.6, 2: 0.8, 3: 1.0, 4: 1.1, 5: 1.2, 6: 1.2, 7: 1.1, 8: 1.3, 9: 1.4, 10: 1.1}
_YEAR_WEIGHT |= {11: 0.8, 12: 0.35, 13: 0.25, 14: 0.3}
# (chance the child affected is a girl, chance a child alleged to have harmed is a boy or
# None for "the same sex as the child affected" most of the time, how many are alleged to
# have harmed: 0, 1 or sometimes 2).
_SEXES = {
    "bullying": (0.5, None, 1), "online": (0.55, None, 1), "prejudice": (0.45, None, 1), "physical": (0.35, None, 1),
    "sh_verbal": (0.85, 0.9, 1), "sh_online": (0.85, 0.9, 1), "sh_contact": (0.85, 0.92, 1),
    "upskirting": (1.0, 0.95, 1), "sa": (0.8, 0.95, 1), "nudes": (0.7, 0.8, 1), "hsb": (0.5, 0.8, 1),
    "relationship": (0.75, 0.85, 1), "hazing": (0.3, None, 1), "hate": (0.5, None, 1), "cce": (0.2, None, 0),
    "radicalisation": (0.15, None, 0),
}  # fmt: skip

_LOCATION_WEIGHTS: dict[str, dict[str, dict[str, float]]] = {
    "secondary": {
        "bullying": {"corridor": 32, "toilets": 30, "classroom": 12, "playground": 6, "dining_hall": 6,
                     "transport": 7, "changing_rooms": 6, "library": 2, "journey": 4},
        "physical": {"corridor": 30, "toilets": 26, "playground": 12, "changing_rooms": 8, "journey": 10,
                     "transport": 8, "classroom": 7, "dining_hall": 3},
        "prejudice": {"corridor": 28, "online": 28, "classroom": 14, "toilets": 14, "playground": 6, "transport": 6,
                      "journey": 4},
        "sh_verbal": {"corridor": 38, "classroom": 18, "online": 15, "toilets": 12, "transport": 10, "playground": 7},
        "sh_contact": {"corridor": 45, "toilets": 15, "changing_rooms": 10, "transport": 20, "classroom": 10},
        "upskirting": {"corridor": 60, "classroom": 40},
        "sa": {"toilets": 35, "community": 45, "changing_rooms": 20},
        "hsb": {"toilets": 40, "changing_rooms": 30, "corridor": 30},
        "relationship": {"online": 50, "community": 25, "corridor": 25},
        "hazing": {"changing_rooms": 50, "trip": 25, "transport": 25},
        "hate": {"community": 40, "online": 30, "journey": 30},
        "cce": {"community": 70, "journey": 30},
        "nudes": {"online": 80, "corridor": 10, "classroom": 10},
        "radicalisation": {"classroom": 1},
    },
    "primary": {
        "bullying": {"playground": 26, "classroom": 18, "corridor": 18, "toilets": 22, "dining_hall": 10,
                     "trip": 2, "journey": 2},
        "physical": {"playground": 36, "classroom": 14, "corridor": 18, "toilets": 18, "dining_hall": 10,
                     "trip": 2},
        "prejudice": {"playground": 35, "classroom": 25, "online": 15, "corridor": 15, "toilets": 10},
        "sh_verbal": {"playground": 40, "classroom": 40, "corridor": 20},
        "sh_contact": {"toilets": 40, "classroom": 30, "playground": 30},
        "hsb": {"toilets": 45, "playground": 30, "classroom": 25},
    },
}  # fmt: skip
_LOCATION_WEIGHTS["special"] = {
    **_LOCATION_WEIGHTS["primary"],
    "physical": {"classroom": 25, "corridor": 22, "playground": 18, "transport": 20, "toilets": 15},
    "bullying": {"classroom": 20, "corridor": 25, "playground": 20, "transport": 15, "toilets": 20},
}
_ONLINE_ONLY = frozenset({"online", "sh_online"})
_PLATFORMS = {
    "secondary": {"Snapchat": 38, "TikTok": 20, "WhatsApp": 20, "Instagram": 17, "Roblox": 2},
    "primary": {"Roblox": 40, "WhatsApp": 28, "TikTok": 17, "Snapchat": 8},
    "special": {"WhatsApp": 35, "Roblox": 30, "TikTok": 20, "Snapchat": 15},
}
_LOCATION_DETAIL = {
    "secondary": {
        "corridor": ("Science corridor", "Maths corridor, first floor", "Main corridor by the canteen",
                     "Stairwell by the library", "Humanities corridor", "Corridor outside the sports hall"),
        "toilets": ("Boys' toilets by the sports hall", "Girls' toilets, main block", "Toilets in the science block",
                    "Boys' toilets, ground floor", "Girls' toilets by the library"),
        "playground": ("Field", "Yard behind the canteen", "Games court"),
        "classroom": ("Maths classroom", "English classroom", "Science lab", "Form room", "IT suite"),
        "changing_rooms": ("Boys' changing rooms", "Girls' changing rooms"),
        "dining_hall": ("Canteen", "Canteen queue"),
        "transport": ("School bus, route 14", "School bus, route 22"),
        "journey": ("Bus stop outside school", "Canal path on the way home", "Park on the way home"),
        "library": ("Library",),
        "community": ("Park near the retail estate", "Party at a house at the weekend", "Town centre"),
        "trip": ("Year trip to the city museum", "Sports fixture away"),
    },
    "primary": {
        "corridor": ("KS2 corridor", "Corridor by the hall", "Cloakroom"),
        "toilets": ("KS2 boys' toilets", "KS2 girls' toilets", "Toilets by the hall"),
        "playground": ("Junior playground", "Infant playground", "Field", "Trim trail"),
        "classroom": ("Classroom", "Shared area"),
        "dining_hall": ("Hall at lunchtime",),
        "transport": ("School taxi",),
        "journey": ("School gate at home time",),
        "trip": ("Class trip to the farm park",),
    },
}  # fmt: skip
_LOCATION_DETAIL["special"] = {**_LOCATION_DETAIL["primary"], "transport": ("School taxi", "School minibus")}
# How a member of staff says where it happened, in a sentence.
_WHERE = {
    "classroom": "in the lesson", "corridor": "in the corridor", "toilets": "in the toilets",
    "changing_rooms": "in the changing rooms", "playground": "outside", "dining_hall": "in the dining hall",
    "library": "in the library", "transport": "on the school bus", "journey": "on the way home",
    "trip": "on the school trip", "community": "outside school", "other": "",
}  # fmt: skip

# What staff write: (what happened, the child's words, actions taken), and sometimes a tag
# saying where it fits (see _fits). {a} is the child affected, {h} a child alleged to have
# harmed, {w} a witness; {where}, {when}, {platform} and {ay} (the year group) are filled in.
# Plain and factual, as a DSL would want it.
_NARRATIVES: dict[str, tuple[tuple[str, ...], ...]] = {
    "bullying": (
        ("{a} ({ay}) came to me upset and said that {h} and friends have been calling {a} names and "
         "laughing {where} most days this week. {a} has started avoiding that part of school.",
         "They wait for me and say I smell and everyone laughs. It's been going on for weeks.",
         "Reassured {a} and said I would pass this to the safeguarding lead today. Let the head of year know."),
        ("I saw {h} take {a}'s bag {where} {when} and throw it between friends while {a} tried to get it back. "
         "{a} was close to tears. It is the third time this half term I have seen {h} pick on {a}.",
         "",
         "Got the bag back, spoke to {h} about the behaviour and checked that {a} was all right."),
        ("{w} told me that {h} has been telling others not to sit with {a} or let {a} join in {where}. {a} has "
         "been eating lunch alone. I spoke to {a}, who confirmed it.",
         "Everyone's been told not to talk to me. I don't know what I did.",
         "Asked the pastoral team to check in with {a} tomorrow morning."),
        ("{a} told me that {h} has been taking food from {a}'s lunch and asking for money {where}. {a} says it "
         "has happened about five times.",
         "I was told if I don't bring a pound tomorrow I'll get it.",
         "Reassured {a}, asked lunchtime staff to keep an eye and passed this to the safeguarding lead."),
        ("{a}'s parent phoned the office to say {a} did not want to come to school because {h} keeps pushing "
         "{a} and making threats {where}. I spoke to {a} later that morning.",
         "If I tell, they'll all start on me. I don't want to come in any more.",
         "Told {a} what I would do next and who I would tell. Informed the safeguarding lead and the head of year."),
        ("{a} was found crying {where} {when}. {a} said {h} had knocked {a}'s books out of {a}'s hands and "
         "called {a} a loser in front of others, and that it happens a lot.",
         "It's every day. I just keep my head down.",
         "Took {a} somewhere quiet, let the form tutor know and recorded it here."),
    ),
    "online": (
        ("{a} showed me messages on {platform} from {h}, sent {when}, calling {a} names and saying nobody likes "
         "{a}. A group chat has been set up to make fun of {a}; about twenty pupils are in it.",
         "They made a group just to laugh at me. I saw it at eleven o'clock and couldn't sleep.",
         "Did not copy or keep the messages; asked {a} not to delete them. Passed to the safeguarding lead."),
        ("A friend of {a}'s told me that {h} had posted an edited photo of {a} on {platform} with mocking "
         "comments. I spoke to {a}, who has seen it and is upset.",
         "Everyone's seen it. I just want it taken down.",
         "Showed {a} how to report the post on {platform}. Informed the head of year."),
        ("{a} said that {h} and others removed {a} from the class {platform} group and then started a new one "
         "where they post comments about {a}'s appearance.",
         "It's every night. I turn my phone off but then it's worse in the morning.",
         "Reassured {a}; explained how to block and report. Passed to the safeguarding lead."),
        ("{a} said that when playing {platform} at home {when}, {h} (same class) kept wrecking what {a} built, "
         "told other players to gang up on {a} and wrote unkind things in the chat.",
         "They keep calling me a baby and kicking me out of the game.",
         "Talked with {a} about blocking and telling an adult at home. Let the class teacher know.", "game"),
        ("{h} shared a video of {a} falling over in PE on {platform} with laughing comments. {a}'s parent "
         "emailed the school about it this morning.",
         "",
         "Spoke to {h}, who deleted the video in front of me. Informed the safeguarding lead."),
    ),
    "physical": (
        ("I saw {h} punch {a} twice on the arm {where} {when}. {a} had a red mark but no other injury. Both were "
         "taken to the pastoral office.",
         "I didn't do anything, it came out of nowhere.",
         "Separated them; a first aider checked {a}. Both sets of parents phoned. Passed to the safeguarding lead."),
        ("{a} said that {h} pushed {a} into the wall {where} and then tripped {a} up. {a} has a graze on one hand.",
         "It happens most days on the way to maths.",
         "First aid given. Told {a} I would pass it on. Informed the head of year.", "school"),
        ("A fight between {a} and {h} {where} {when}. {w} says {h} started it after an argument that began "
         "online the night before.",
         "",
         "Staff separated them. Both spoken to separately. Parents informed by the head of year."),
        ("{a} came in {when} crying and said {h} had kicked {a} during a game. Small bruise on {a}'s shin.",
         "{h} always kicks me when I'm winning.",
         "First aid and an ice pack. Spoke to {h}. Told the class teacher and the safeguarding lead.", "playground"),
        ("{h} threw a chair towards {a} in an argument {where}; it hit {a}'s leg. No lasting injury. {h} was "
         "very angry and took a while to calm down.",
         "",
         "Made the room safe, first aid for {a}, {h} supported to calm down. Both families contacted.", "classroom"),
    ),
    "sh_verbal": (
        ("{a} told me that {h} keeps making comments about {a}'s body {where} and rates girls out of ten in "
         "front of others.",
         "They shout things when I walk past. I don't want to walk that way any more.",
         "Thanked {a} for telling me and said I would pass it to the safeguarding lead today. Did not promise "
         "to keep it secret.", "offline"),
        ("I overheard {h} making sexual jokes about {a} to a group {where}. {a} was there and was visibly upset.",
         "",
         "Challenged the comments at the time, checked on {a} afterwards and passed it to the safeguarding lead.",
         "offline"),
        ("{a} said that {h} keeps asking {a} sexual questions {where} and laughs with friends when {a} won't "
         "answer.",
         "I've asked them to stop but they say it's just banter.",
         "Reassured {a} that it is not banter and that it will be dealt with. Passed to the safeguarding lead."),
    ),
    "sh_online": (
        ("{a} showed me messages from {h} on {platform} of a sexual nature, sent late at night, including "
         "requests for photos. {a} has not sent anything.",
         "I told them no and they kept asking. I blocked them but they made a new account.",
         "Did not read further or copy the messages. Advised {a} not to delete them and to report the account. "
         "Passed to the safeguarding lead straight away."),
        ("{a} said that {h} posted sexual comments about {a} under {a}'s photos on {platform} and others joined "
         "in.",
         "I had to take my account down. People were repeating it in school.",
         "Passed to the safeguarding lead. Explained how to report the comments."),
    ),
    "sh_contact": (
        ("{a} reported that {h} touched {a}'s bottom {where} {when} while walking past, and that it has "
         "happened before.",
         "I said stop and they laughed.",
         "Passed to the safeguarding lead straight away. {a} went to the next lesson with a friend."),
        ("{w} told me that {h} pulled at {a}'s clothing {where} while others watched. I spoke to {a}, who "
         "confirmed it and was upset.",
         "I just want them to leave me alone.",
         "Kept {a} with me until the safeguarding lead came. Did not ask for more detail."),
    ),
    "upskirting": (
        ("{w} reported that {h} held a phone under {a}'s skirt {where} {when}. The phone was taken, not looked "
         "at, and locked in the safe for the safeguarding lead.",
         "I didn't even know until my friend told me.",
         "Phone secured without viewing it. {a} supported by the pastoral team. Passed to the safeguarding lead."),
    ),
    "sa": (
        ("{a} told me that {h} touched {a} sexually over clothing, without consent, {where} last week, and that "
         "{a} had told {h} to stop. I listened, did not ask leading questions and wrote down {a}'s words.",
         "I froze. I didn't know what to do. I don't want everyone to find out.",
         "Told {a} I had to pass this on to keep {a} safe, and who I would tell. Took {a} to the safeguarding "
         "lead straight away.", "school"),
        ("{w} told me that {a} had been sexually assaulted by {h} at a party at the weekend. I spoke to {a}, who "
         "confirmed that something happened without {a}'s consent. I did not ask for detail.",
         "Please don't tell everyone. I'm scared of what people will say.",
         "Stayed with {a} and called the safeguarding lead, who came at once.", "community"),
        ("{a} told me that at a party at the weekend {h} sexually assaulted {a}. {a} was distressed. I listened, "
         "did not ask for detail and wrote down {a}'s words.",
         "I told them to stop. I keep thinking about it. I don't want people at school to know.",
         "Told {a} I had to pass this on to keep {a} safe. Took {a} to the safeguarding lead straight away.",
         "community"),
    ),
    "nudes": (
        ("{a} told me that a semi-nude image {a} had sent privately to {h} has been shared in a {platform} "
         "group. {a} thinks about ten pupils have seen it. I did not ask to see the image.",
         "I only sent it to them. Now everyone's laughing.",
         "Did not view, copy or forward anything (UKCIS advice). Passed to the safeguarding lead at once."),
        ("{w} reported that {h} has been showing a nude image of {a} on {h}'s phone {where}. The phone was taken "
         "and handed to the safeguarding lead without being looked at.",
         "",
         "Phone secured unviewed. Did not ask anyone to show or send the image. Safeguarding lead informed.",
         "offline"),
        ("{a} said that {h} pressured {a} for weeks on {platform} to send a nude image and threatened to spread "
         "lies if {a} refused. {a} says {a} sent one photo last night.",
         "I didn't want to. They kept going on and on.",
         "Did not ask to see anything. Reassured {a} it was right to tell. Passed to the safeguarding lead."),
    ),
    "hsb": (
        ("{w} told me that {h} had pulled down {a}'s trousers {where} in front of other children. {a} was upset.",
         "I didn't like it. Everyone saw.",
         "Comforted {a}, told the safeguarding lead straight away and kept the children apart for the day."),
        ("{a} told the teaching assistant that {h} keeps trying to touch {a}'s private parts in the toilets, "
         "after being told to stop. {h} has also been using sexual words beyond what is expected at this age.",
         "I said no and they did it again.",
         "Passed to the safeguarding lead at once. {a} and {h} supervised separately for the rest of the day.",
         "toilets"),
        ("{h} repeatedly touched {a} inappropriately during a group activity {where}, despite staff "
         "redirecting. {h} has limited understanding of personal boundaries.",
         "",
         "Redirected {h}, moved {a} to another group and informed the safeguarding lead."),
    ),
    "relationship": (
        ("{a} told me that {h}, who {a} has been going out with, checks {a}'s phone, tells {a} who {a} can talk "
         "to and gets angry if {a} does not answer on {platform} straight away.",
         "If I don't answer in a minute they say I'm cheating.",
         "Listened and reassured {a}. Passed to the safeguarding lead; gave {a} the details of the school "
         "counsellor."),
        ("{w} told me that {h} grabbed {a}'s arm and shouted at {a} {where} after {a} tried to end their "
         "relationship. I spoke to {a}.",
         "They said I'll regret it if I finish with them.",
         "Checked {a} was not hurt and passed this to the safeguarding lead straight away.", "offline"),
    ),
    "hazing": (
        ("{a} said that older pupils in the football team, including {h}, made new members do humiliating "
         "'initiation' dares {where} and filmed some of it.",
         "They said everyone has to do it to be in the team.",
         "Told the head of PE and the safeguarding lead. Reassured {a} that it will be dealt with."),
    ),
    "hate": (
        ("{a} was targeted {where} by a group including {h}, who shouted religious abuse at {a} and pulled at "
         "{a}'s headscarf.",
         "It happens on that road a lot. I walk the long way now.",
         "Recorded the words used. Informed the safeguarding lead and {a}'s family.", "offline"),
        ("{h} posted a video on {platform} mocking {a}'s religion and family. {a}'s older sibling reported it "
         "to the school.",
         "",
         "Passed to the safeguarding lead as a possible hate incident."),
    ),
    "cce": (
        ("{a} has been seen with older young people from outside school near the retail park, has new "
         "expensive trainers and a second phone, and has been missing lessons. {a} told a teaching assistant "
         "about being given packages to take to an address.",
         "They said I owe them now, and if I stop they'll come to my house.",
         "Passed to the safeguarding lead straight away. {a} is in school today and supervised."),
        ("{a} disclosed being asked to hold and deliver items for an older young man in exchange for money, "
         "and that he knows where {a} lives. {a} has been missing from home twice this month.",
         "I can't get out of it now. Please don't tell anyone I told you.",
         "Did not promise secrecy; told {a} who I would tell and why. Safeguarding lead informed at once."),
    ),
    "radicalisation": (
        ("{a} has been talking in form time about extreme right-wing videos from TikTok, including saying "
         "that a group of people 'should be got rid of', and has drawn symbols linked to an extremist group "
         "on exercise books.",
         "It's just the truth. They don't tell you it at school.",
         "Challenged the comments calmly, did not take the phone, passed it to the safeguarding lead."),
    ),
}  # fmt: skip
# Later concerns about the same children (any of the common categories).
_NARRATIVES["follow_up"] = (
    ("{a} came back to see me: it is still happening {where}, and {a} feels nothing has changed since last time.",
     "It stopped for a bit but now it's started again.",
     "Told {a} I would add this to what the safeguarding lead already knows, and passed it on today."),
    ("Further to the earlier concern, {a}'s parent rang to say {a} came home upset again after {h} picked on {a} "
     "{where}.",
     "",
     "Passed to the safeguarding lead and the head of year."),
    ("I saw {h} go up to {a} {where} {when} and say something that left {a} upset. They are the two named in "
     "the earlier concern.",
     "",
     "Stepped in, checked on {a} and reported it straight away.", "offline"),
    ("{a} showed me new messages on {platform} from {h} about what happened before; others have joined in.",
     "Now everyone's talking about it again.",
     "Did not copy the messages. Passed to the safeguarding lead."),
    ("{a} told me it has started again {where}, this time with other pupils joining in.",
     "It's worse now. There's more of them.",
     "Reassured {a} and passed it straight on to the safeguarding lead."),
)  # fmt: skip
_PREJUDICE_NARRATIVES = {
    "racist": ("{a} reported that {h} used a racist name towards {a} {where} {when} and others laughed.",
               "They said go back where I came from. I was born here."),
    "homophobic": ("{a} told me that {h} keeps calling {a} gay as an insult {where} and makes comments about "
                   "{a}'s friends.", "It's every day, and teachers don't hear it because it's between lessons."),
    "biphobic": ("{a} said that {h} has been telling people {a} is bisexual as a joke and calling {a} names "
                 "{where}.", "I never told anyone that. Now everyone's talking about it."),
    "transphobic": ("{a}, who is questioning their gender identity, said {h} deliberately uses the wrong name "
                    "and makes jokes about {a} {where}.", "It's like a game to them."),
    "disability": ("{h} was heard mocking {a}'s speech and copying how {a} walks {where} {when}.", ""),
    "sexist": ("{a} reported that {h} and friends keep telling {a} that girls are rubbish at sport and push "
               "{a} off the ball {where}.", "They won't pass to me because I'm a girl."),
}  # fmt: skip
_PREJUDICE_ACTIONS = (
    "Recorded the exact words used. Spoke to {h} and informed the safeguarding lead as a prejudice-based incident.",
    "Reassured {a} that this will be taken seriously. Passed to the safeguarding lead and the head of year.",
)
_AMENDMENTS = (
    ("addition", "{a} came back at the end of the day and added that it has also happened on the way home."),
    ("addition", "{a}'s parent phoned this afternoon and said {a} had been upset at home about this for weeks."),
    ("addition", "Spoke to {a} again: {a} said a friend saw it too and is willing to talk to staff."),
    ("correction", "Correction: it happened about twenty minutes later than I first wrote; the rest stands."),
    ("correction", "Correction: I wrote the wrong day. It happened the day before; {a} confirmed this."),
)

# What the safeguarding leads write.
_NFA_RATIONALES = (
    "Spoke to both pupils: a one-off falling out, and both have apologised. Parents of both told by the head of "
    "year. Managed under the behaviour policy; no safeguarding concerns. No further action.",
    "{h} has apologised and the messages were deleted with a parent present. {a} is happy with the outcome and "
    "there is nothing else on file for either child. No further action; the form tutor will keep an eye.",
    "Checked with {a} and a witness: play that went too far, no intent to harm and no injury. Both spoken to. "
    "No further action.",
    "Discussed with {a}'s parent, who is satisfied with the response. No pattern on file for either child. "
    "Managed by the class teacher; no further action.",
    "Restorative conversation held by the head of year; both children agreed how to move on. Low level and a "
    "one-off. No further action.",
)
_WISHES = (
    "{a} wants it to stop but does not want {h} to be excluded.",
    "{a} wants to stay in the same form and asked for a named adult to go to.",
    "{a} asked that friends are not told, and wants to choose who to talk to about it.",
    "{a} would like a restorative meeting once things have calmed down.",
)
_WISHES_ALONE = (
    "{a} wants to stay at school and keep it from friends; worried about what might happen at home.",
    "{a} asked for a named adult and to keep the same timetable.",
)
_WISHES_SEXUAL = (
    "{a} does not want to be in lessons with {h} and asked for a named adult.",
    "{a} asked that friends are not told, and wants to choose who to talk to about it.",
    "{a} wants to carry on at school as normally as possible, without {h} nearby.",
)
_INTERNAL = {
    "default": "Managed in school under the anti-bullying policy: a restorative conversation, separate routes at "
    "break and lunch, and check-ins for both children.",
    "physical": "Managed in school under the behaviour policy, with support for both children and staff on duty "
    "at changeover briefed.",
    "sexual": "Managed in school as sexual harassment (policy §3): clear boundaries set with {h}, support for {a} "
    "and a safety plan for the lessons they share.",
    "nudes": "Managed in school under the UKCIS advice: no adult involved, images deleted by the children with "
    "parents present, and education for both on the law and consent.",
    "serious": "Alongside the agencies: a safety plan in school, support for every child involved, and staff "
    "who need to know briefed.",
}
_ROUTE_RATIONALE: dict[str, str | dict[str, str]] = {
    "early_help": "Early help: {a}'s family asked for support with anxiety and attendance; an early help "
    "assessment was offered and accepted.",
    "police": {
        "sa": "Sexual assault: policy §8, the starting point is a report to the police. Reported on 101 with {a}'s "
        "knowledge; parents told.",
        "cce": "Possible criminal exploitation: shared with the police missing and exploitation team.",
        "radicalisation": "Prevent referral through the police Prevent team, after advice from the authority's "
        "Prevent lead.",
        "hate": "Reported to the police as a hate incident, as {a}'s family asked.",
        "nudes": "Coercion and threats: reported to the police, as the UKCIS advice says.",
        "upskirting": "Upskirting is an offence (Voyeurism Act 2019): reported to the police.",
        "default": "A child under 13 cannot consent: reported to the police alongside the social care referral.",
    },
    "social_care": {
        "cce": "Referral to the children's advice and support service (MASH): {a} is at risk of exploitation.",
        "radicalisation": "Consulted the MASH advice line; a referral made so the family can be supported "
        "alongside Prevent.",
        "default": "Referral to the children's advice and support service (MASH): {a} may be at risk of "
        "significant harm, and the children's ages and what happened need their view.",
    },
}
_OVERRIDE_LOW_LEVEL = (
    "The MASH advice line was consulted: the behaviour is at the low end, between children of a similar age, "
    "with no force or coercion. Their advice was to manage it in school with parents informed; the police were "
    "not contacted on that advice."
)
_REVIEWED_AFTER_NEW_CONCERN = "Reviewed after the latest concern joined the case: the decision stands."
_OVERRIDE_TOGETHER = "Decided together with the {routes} route, recorded straight after this one."
_ROUTE_WORDS = {"police": "police", "social_care": "social care", "early_help": "early help", "internal": "internal"}
_REFERRAL_NOTES = {
    "police": "Reported by phone; an officer is to call back.",
    "social_care": "Referral form sent to MASH after a phone consultation.",
    "early_help": "Early help assessment started with the family's consent.",
    "camhs": "Referral with parental consent: low mood and anxiety since the incidents.",
    "external": "Referral for counselling with the family's agreement.",
    "yos": "Prevention offer referral for harmful sexual behaviour work (AIM3).",
}
_REFERRAL_OUTCOMES = {
    "police": (
        "An officer visited school and spoke to both families; words of advice given. No further police action.",
        "Community resolution agreed with the child and family.",
        "Investigation ongoing; school asked to keep the safety plan in place.",
        "Shared as intelligence; the missing and exploitation team will make contact with the family.",
    ),
    "social_care": (
        "MASH: threshold for a child and family assessment met; social worker allocated.",
        "MASH: threshold not met; advice given and stepped down to early help.",
        "MASH: strategy discussion held; child and family assessment to follow.",
    ),
    "early_help": (
        "Early help assessment completed; family support worker allocated for twelve weeks.",
        "Family offered the parenting course and a family support worker; accepted.",
    ),
    "camhs": (
        "Accepted for the getting-help pathway; first appointment in six weeks.",
        "Not accepted; signposted to the school counsellor and an online counselling service.",
    ),
    "external": ("Accepted: six sessions starting next week.", "Accepted after assessment; weekly sessions in school."),
    "yos": ("Accepted onto the prevention offer; AIM3 assessment booked.",),
}
# Police outcomes that depend on what happened (Prevent; children under the age of criminal responsibility).
_POLICE_OUTCOMES = {
    "radicalisation": "Prevent: discussed at the Channel panel; support from an intervention provider offered and "
    "accepted.",
    "hsb": "The children are under the age of criminal responsibility: no further police action; information shared "
    "with social care.",
}
_EXTERNAL_ORGANISATIONS = ("Midshire Young People's Counselling Service", "Midshire Sexual Abuse Support Service")
_SUPPORT = {
    "affected": (
        "Weekly check-in with the pastoral lead for six weeks; a named adult and a time-out card.",
        "Sessions with the school counsellor; a safe space at break and lunch.",
        "Check-ins with the form tutor and a peer mentor at break times.",
        "Online safety session on blocking, reporting and keeping evidence; check-ins with the form tutor.",
    ),
    "affected_serious": (
        "A safety plan agreed with {a} and parents: a named adult, a safe space and a changed route between lessons.",
        "Counselling with the school counsellor; a named adult and a pass to leave lessons if needed.",
    ),
    "alleged_harmer": (
        "Sessions with the learning mentor on respectful behaviour and the impact of bullying.",
        "Work with the pastoral team on managing anger; regular check-ins.",
        "Restorative work and a weekly check-in with the head of year.",
    ),
    "alleged_harmer_sexual": (
        "Sessions on consent and healthy relationships with the pastoral lead (six sessions).",
        "A risk assessment and safety plan; supervised at unstructured times; work on boundaries with a mentor.",
    ),
    "alleged_harmer_primary": (
        "Social stories and work with the learning mentor on kind hands and friendships.",
        "Nurture group twice a week and a playtime buddy.",
    ),
    "witness": ("Check-in with the form tutor after giving an account.",),
    "other": ("Check-in with the pastoral team.",),
}
_SANCTIONS = {
    "default": (
        "After-school detention of one hour.",
        "Loss of social time for a week and a restorative conversation.",
        "A day in the reflection room (internal exclusion).",
    ),
    "physical": (
        "Suspension for one day under the behaviour policy; reintegration meeting with parents.",
        "A day in the reflection room (internal exclusion).",
    ),
    "sexual": (
        "Suspension for two days under the behaviour policy; reintegration meeting with a safety plan.",
        "Internal exclusion for two days and a behaviour contract.",
    ),
    "sa": ("Suspension for five days while the police investigate; a separate timetable on return.",),
    "primary": (
        "Missed playtime for three days and a reflection with the class teacher.",
        "Missed golden time; reflection with the class teacher.",
    ),
}
_TASKS = (
    "Review with {a} in two weeks",
    "Speak to {h}'s parents",
    "Check with the head of year how unstructured times are going",
    "Arrange a restorative meeting",
    "Share the support plan with staff who teach {a}",
    "Review the safety plan with {a}",
)
_CLOSE = (
    "No further incidents in the weeks since the restorative meeting; {a} says things are better. Closed; the "
    "head of year will keep an eye.",
    "Support in place and completed; both families content. Closed, with the form tutor monitoring.",
    "The plan was reviewed with {a} and parents: no further concerns. Closed.",
    "{a} reports feeling safe and the support has ended. Closed; staff remain alert.",
)
_CLOSE_SERIOUS = (
    "Agency involvement has ended and the safety plan was reviewed with {a} and family; it is no longer needed. "
    "Closed, with a review at the end of term."
)
_REOPEN = "New concern {ref} about the same children: reopened to review the plan."


# -- Planning: who, what, where and when (pure, from the seed) ----------------------------


@dataclass
class _SchoolPlan:
    spec: SchoolSpec
    school: School
    segments: tuple[tuple[str, tuple[int, ...]], ...]  # (kind, year offsets), e.g. ("primary", (0, ..., 6))
    pupils_now: dict[int, list[Pupil]]  # by year offset in 2026/27
    staff: list[User]
    dsl: User
    deputy: User
    head: User
    frequent: list[Pupil] = field(default_factory=list)  # children who will be named as harming more than once

    def kind_of(self, year_then: int) -> str:
        return next(kind for kind, years in self.segments if year_then in years)


@dataclass
class _ConcernPlan:
    codes: tuple[str, ...]
    group: str
    kind: str
    occurred: dt.datetime
    recorded: dt.datetime
    location: str
    detail: str
    platform: str
    children: list[tuple[Pupil, ChildRole]]
    what: str
    words: str
    actions: str
    urgent: bool
    recorder: User
    told: str = Concern.ToldNextSteps.NOT_APPLICABLE
    ack: dt.datetime | None = None
    ack_by: User | None = None
    amendment: tuple[dt.datetime, str, str] | None = None
    concern: Concern | None = None

    @property
    def acknowledged(self) -> dt.datetime:
        """When a safeguarding lead acknowledges it: planned before anything that follows."""
        assert self.ack is not None
        return self.ack


@dataclass
class _ThreadPlan:
    """Concerns about the same children, and what the safeguarding lead does with them."""

    school: _SchoolPlan
    concerns: list[_ConcernPlan]
    outcome: str = "case"  # "case", "nfa" (closed at triage) or "new" (still waiting for triage)
    routes: tuple[str, ...] | None = None  # None: what a DSL would choose for the category
    restricted: bool = False
    shared: bool = False
    overdue_referral: str = ""  # an agency whose outcome never arrives
    overdue_task: str = ""  # a task left undone past its date
    not_informed: str = ""  # why the parents of the child affected were not told
    min_days: int = 0
    case: Case | None = None


class _Place(TypedDict, total=False):
    """Where a concern happened, when a story fixes it (else drawn from the weights)."""

    location: str
    platform: str
    detail: str


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _local(day: dt.date, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=LONDON)


def _work(t: dt.datetime, rng: random.Random) -> dt.datetime:
    """The same moment if it is in working hours (weekdays 08:00-17:30), else early next working day."""
    t = t.astimezone(LONDON)
    if t.weekday() < 5 and dt.time(8) <= t.time() < dt.time(17, 30):
        return t
    day = t.date() + dt.timedelta(days=0 if t.time() < dt.time(8) else 1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return _local(day, 8, rng.randint(5, 50))


def _after(t: dt.datetime, rng: random.Random, low: int, high: int) -> dt.datetime:
    """A working moment ``low`` to ``high`` minutes after ``t``."""
    return _work(t + dt.timedelta(minutes=rng.randint(low, high)), rng)


def _years_back(day: dt.date) -> int:
    """How many academic years before 2026/27 a day falls: pupils were that many years younger."""
    return ACADEMIC_YEAR_START.year - (day.year if day.month >= 9 else day.year - 1)


def _year_label(year: int) -> str:
    return "Reception" if year == 0 else f"Year {year}"


def _occurred(rng: random.Random, location: str, day: dt.date) -> tuple[dt.datetime, str]:
    """When it happened on a school day (or the evening or weekend before, outside school),
    and how a member of staff would say it."""
    if location == "online":
        back = 1 if day.weekday() else rng.choice((1, 2))
        when = "last night" if back == 1 and day.weekday() else "at the weekend"
        return _local(day - dt.timedelta(days=back), rng.randint(17, 22), rng.randrange(60)), when
    if location == "community":
        back = rng.randint(1, 3)
        t = _local(day - dt.timedelta(days=back), rng.randint(16, 21), rng.randrange(60))
        return t, "at the weekend" if t.weekday() >= 5 else "after school"
    if location in ("transport", "journey"):
        if rng.random() < 0.4:
            return _local(day, 8, rng.randint(0, 40)), "before school"
        return _local(day, 15, rng.randint(15, 59)), "after school"
    if location == "corridor":
        hour, minute = rng.choice(((9, 55), (10, 40), (11, 0), (12, 20), (13, 10), (14, 10), (15, 10)))
        return _local(day, hour, minute) + dt.timedelta(minutes=rng.randint(-3, 6)), "between lessons"
    if location in ("playground", "dining_hall") or (location == "toilets" and rng.random() < 0.6):
        if rng.random() < 0.4:
            return _local(day, 10, rng.randint(40, 59)), "at break"
        return _local(day, 12, 20) + dt.timedelta(minutes=rng.randint(0, 49)), "at lunchtime"
    return _local(day, 9, 5) + dt.timedelta(minutes=rng.randint(0, 355)), "during a lesson"


def _phase_words(text: str, kind: str) -> str:
    """Primary and special schools have class teachers, not heads of year."""
    return text if kind == "secondary" else text.replace("head of year", "class teacher")


def _name(pupil: Pupil) -> str:
    return pupil.preferred_forename or pupil.legal_forename


def _fits(template: tuple[str, ...], location: str, platform: str, has: set[str]) -> bool:
    text = " ".join(template[:3])
    tag = template[3] if len(template) > 3 else ""
    if ("{h}" in text and "h" not in has) or ("{w}" in text and "w" not in has):
        return False
    if ("{platform}" in text or tag == "game") and location != "online":
        return False
    if (tag == "game") != (platform == "Roblox" and "{platform}" in text):
        return False
    if tag == "offline" and location == "online":
        return False
    if tag == "school" and location in ("online", "community"):
        return False
    return not (tag in Location.values and tag != location)


def _narrative(
    rng: random.Random,
    codes: tuple[str, ...],
    group: str,
    children: list[tuple[Pupil, ChildRole]],
    *,
    location: str,
    platform: str,
    when: str,
    year_then: int,
    follow_up: bool = False,
) -> tuple[str, str, str]:
    names: dict[str, list[str]] = {}
    firsts = [_name(p) for p, _ in children]
    for (pupil, role), first in zip(children, firsts, strict=True):
        name = f"{first} {pupil.legal_surname[0]}." if firsts.count(first) > 1 else first
        names.setdefault(role, []).append(name)
    values = {
        "a": names[ChildRole.AFFECTED][0],
        "h": names.get(ChildRole.ALLEGED_HARMER, [""])[0],
        "w": names.get(ChildRole.WITNESS, [""])[0],
        "where": f"on {platform}" if location == "online" else _WHERE[location],
        "when": when,
        "platform": platform,
        "ay": _year_label(year_then),
    }
    has = {k for k in ("h", "w") if values[k]}
    prejudice = next((c for c in codes if c in _PREJUDICE_NARRATIVES), None)
    if follow_up and group in ("bullying", "online", "physical", "prejudice"):
        options = [t for t in _NARRATIVES["follow_up"] if _fits(t, location, platform, has)]
        template: tuple[str, ...] = rng.choice(options)
    elif group == "prejudice" and prejudice:
        what, words = _PREJUDICE_NARRATIVES[prejudice]
        template = (what, words, rng.choice(_PREJUDICE_ACTIONS))
    else:
        options = [t for t in _NARRATIVES[group] if _fits(t, location, platform, has)]
        if not options:  # nothing fits the place exactly: any that fits the children
            options = [t for t in _NARRATIVES[group] if _fits(t, "online", "", has) or _fits(t, "other", "", has)]
        template = rng.choice(options or _NARRATIVES[group])
    filled = {**values, "w": values["w"] or "A pupil", "h": values["h"] or "another pupil"}
    what, words, actions = (part.format(**filled) for part in template[:3])
    if len(names.get(ChildRole.ALLEGED_HARMER, [])) > 1:
        what += f" {names[ChildRole.ALLEGED_HARMER][1]} was also involved."
    if values["w"] and "{w}" not in template[0]:
        what += f" {values['w']} saw what happened and confirmed it."
    return what, words, actions


def _choose_pupil(
    rng: random.Random, pool: list[Pupil], *, girl: float | None, avoid: set[int], like: Pupil | None = None
) -> Pupil | None:
    """A pupil from the pool: a girl with probability ``girl``, or (``girl`` None) mostly the
    same sex as ``like``."""
    choices = [p for p in pool if p.pk not in avoid]
    if not choices:
        return None
    if girl is None and like is not None:
        sex = like.sex if rng.random() < 0.8 else (Sex.MALE if like.sex == Sex.FEMALE else Sex.FEMALE)
    else:
        sex = Sex.FEMALE if rng.random() < (girl if girl is not None else 0.5) else Sex.MALE
    return rng.choice([p for p in choices if p.sex == sex] or choices)


def _children_for(
    sp: _SchoolPlan,
    rng: random.Random,
    group: str,
    day: dt.date,
    kind: str,
    min_year: int = 0,
    year: int | None = None,
) -> tuple[list[tuple[Pupil, ChildRole]], int]:
    """1-3 children of the school as it was on ``day``, with roles, and the year group then."""
    back = _years_back(day)
    years = [y for _, ys in sp.segments for y in ys if sp.kind_of(y) == kind and y >= min_year]
    years = [y for y in years if sp.pupils_now.get(y + back)]
    girl, harmer_boy, harmers = _SEXES[group]
    frequent = [
        p
        for p in sp.frequent
        if year_offset(p.year_group) - back in years and DEMO_TODAY - day < dt.timedelta(days=330)
    ]
    harmer: Pupil | None = None  # sometimes one of the school's "frequent" names, for repeat involvement
    if year is None and frequent and group in ("bullying", "online", "physical", "prejudice") and rng.random() < 0.2:
        harmer = rng.choice(frequent)
        year = year_offset(harmer.year_group) - back
    elif year is None:
        year = rng.choices(years, weights=[_YEAR_WEIGHT[y] for y in years])[0]
    pool = sp.pupils_now[year + back]
    affected = _choose_pupil(rng, pool, girl=girl, avoid={harmer.pk} if harmer else set())
    assert affected is not None
    children = [(affected, ChildRole.AFFECTED)]
    used = {affected.pk}
    for n in range(harmers + (1 if harmers and rng.random() < 0.12 else 0)):
        if n == 0 and harmer is not None:
            pupil: Pupil | None = harmer
        else:
            step = rng.choices((0, 1, 2), weights=(1, 3, 1) if group == "hazing" else (16, 3, 1))[0]
            older = sp.pupils_now.get(year + back + step) if sp.kind_of(year) == kind else None
            pool_h = older if older and year + step in years else pool
            boy = harmer_boy
            pupil = _choose_pupil(
                rng, pool_h, girl=None if boy is None else 1 - boy, avoid=used, like=affected if boy is None else None
            )
        if pupil is not None:
            children.append((pupil, ChildRole.ALLEGED_HARMER))
            used.add(pupil.pk)
    needs_witness = all("{w}" in t[0] for t in _NARRATIVES.get(group, ()))  # e.g. upskirting: seen, not felt
    if len(children) < 3 and (needs_witness or rng.random() < 0.25):
        witness = _choose_pupil(rng, pool, girl=0.5, avoid=used)
        if witness is not None:
            children.append((witness, ChildRole.WITNESS))
    return children, year


def _concern_plan(
    sp: _SchoolPlan,
    rng: random.Random,
    day: dt.date,
    codes: tuple[str, ...],
    *,
    kind: str,
    children: list[tuple[Pupil, ChildRole]] | None = None,
    year_then: int | None = None,
    location: str | None = None,
    platform: str | None = None,
    detail: str | None = None,
    urgent: bool | None = None,
    year: int | None = None,
    follow_up: bool = False,
) -> _ConcernPlan:
    group = _GROUP[codes[0]]
    if location is None:
        location = "online" if group in _ONLINE_ONLY else _weighted(rng, _LOCATION_WEIGHTS[kind][group])
    if location == "online":
        platform = platform or _weighted(rng, _PLATFORMS[kind])
        if group == "prejudice" and "online_bullying" not in codes:
            codes = (*codes, "online_bullying")
    else:
        platform = ""
    if detail is None:
        details = _LOCATION_DETAIL[kind]
        detail = rng.choice(details[location]) if location in details and rng.random() < 0.85 else ""
        if location == "online" and rng.random() < 0.3:
            detail = "Class group chat" if platform == "WhatsApp" else ""
    if children is None:
        min_year = (_MIN_YEAR_PRIMARY if kind == "primary" else _MIN_YEAR).get(group, 0)
        children, year = _children_for(sp, rng, group, day, kind, min_year, year)
    else:
        year = year_then if year_then is not None else year_offset(children[0][0].year_group) - _years_back(day)
    occurred, when = _occurred(rng, location, day)
    index = _term_day_index(day)
    if location not in ("online", "community") and index > 4 and rng.random() < 0.15:  # told days later
        before = TERM_DAYS[index - rng.randint(1, 4)]
        occurred = _local(before, occurred.hour, occurred.minute)
        same_week = before.isocalendar()[:2] == day.isocalendar()[:2]
        when = f"on {before:%A}" if same_week else "last week"
        recorded = _local(day, 9, 0) + dt.timedelta(minutes=rng.randint(0, 390))
    elif location in ("online", "community"):
        recorded = _local(day, 8, 30) + dt.timedelta(minutes=rng.randint(0, 420))
    else:
        recorded = occurred + dt.timedelta(minutes=rng.randint(10, 150))
        if recorded.time() > dt.time(17, 0) and index + 1 < len(TERM_DAYS):  # written up next morning
            recorded = _local(TERM_DAYS[index + 1], 8, rng.randint(30, 59))
    what, words, actions = _narrative(
        rng,
        codes,
        group,
        children,
        location=location,
        platform=platform,
        when=when,
        year_then=year,
        follow_up=follow_up,
    )
    if urgent is None:
        urgent = group in _URGENT_GROUPS or (group == "physical" and rng.random() < 0.04)
    recorder = rng.choices(
        [*sp.staff, sp.deputy, sp.dsl, sp.head], weights=[70 / len(sp.staff)] * len(sp.staff) + [15, 10, 5]
    )[0]
    if kind != "secondary":  # no heads of year in a primary or special school
        what, actions = _phase_words(what, kind), _phase_words(actions, kind)
    told = Concern.ToldNextSteps.NOT_APPLICABLE
    if words:
        told = Concern.ToldNextSteps.YES if rng.random() < 0.92 else Concern.ToldNextSteps.NO
    return _ConcernPlan(
        told=told,
        codes=codes,
        group=group,
        kind=kind,
        occurred=occurred,
        recorded=recorded,
        location=location,
        detail=detail,
        platform=platform,
        children=children,
        what=what,
        words=words,
        actions=actions,
        urgent=urgent,
        recorder=recorder,
    )


_FOLLOW_UP = {
    "bullying": {"bullying": 5, "online_bullying": 3, "physical": 2},
    "online_bullying": {"online_bullying": 6, "bullying": 4},
    "physical": {"physical": 5, "bullying": 5},
    "sexual_comments": {"sexual_comments": 6, "online_sexual_harassment": 4},
    "sexual_jokes": {"sexual_jokes": 6, "online_sexual_harassment": 4},
    "online_sexual_harassment": {"online_sexual_harassment": 6, "sexual_comments": 4},
}


def _follow_up(sp: _SchoolPlan, rng: random.Random, first: _ConcernPlan, day: dt.date) -> _ConcernPlan:
    """Another concern about the same children: the same child affected and alleged to have
    harmed, perhaps another witness, a related category."""
    code = first.codes[0]
    if code in _FOLLOW_UP:
        code = _weighted(rng, _FOLLOW_UP[code])
    elif _GROUP[code] == "prejudice" and rng.random() < 0.4:
        code = "bullying"
    harmer = next((p for p, r in first.children if r == ChildRole.ALLEGED_HARMER), None)
    common = first.group in ("bullying", "online", "physical", "prejudice")
    if common and rng.random() < 0.4:  # "it's still going on": only the child affected named
        harmer = None
    children = [first.children[0], *([(harmer, ChildRole.ALLEGED_HARMER)] if harmer else [])]
    back = _years_back(day)
    if len(children) < 3 and rng.random() < 0.25:
        pool = sp.pupils_now.get(year_offset(children[0][0].year_group), [])
        witness = _choose_pupil(rng, pool, girl=0.5, avoid={p.pk for p, _ in children})
        if witness is not None:
            children.append((witness, ChildRole.WITNESS))
    year = year_offset(children[0][0].year_group) - back
    return _concern_plan(sp, rng, day, (code,), kind=first.kind, children=children, year_then=year, follow_up=True)


def _school_plans(world: DemoWorld) -> list[_SchoolPlan]:
    plans = []
    for spec in SCHOOLS:
        offsets = tuple(year_offset(y) for y in spec.year_groups)
        segments: tuple[tuple[str, tuple[int, ...]], ...]
        if spec.phase == School.Phase.ALL_THROUGH:
            segments = (
                ("primary", tuple(y for y in offsets if y <= 6)),
                ("secondary", tuple(y for y in offsets if y >= 7)),
            )
        else:
            kind = {School.Phase.PRIMARY: "primary", School.Phase.SPECIAL: "special"}.get(spec.phase, "secondary")
            segments = ((kind, offsets),)
        pupils_now: dict[int, list[Pupil]] = {}
        for pupil in world.pupils[spec.key]:
            pupils_now.setdefault(year_offset(pupil.year_group), []).append(pupil)
        users = world.users
        plan = _SchoolPlan(
            spec=spec,
            school=world.schools[spec.key],
            segments=segments,
            pupils_now=pupils_now,
            staff=[users[f"staff{n}@{spec.domain}"] for n in range(1, spec.staff + 1)],
            dsl=users[f"dsl@{spec.domain}"],
            deputy=users[f"deputy.dsl@{spec.domain}"],
            head=users[f"head@{spec.domain}"],
        )
        rng = random_stream(world.seed, "frequent", spec.urn)
        for kind, years in segments:
            middle = [p for y in years[len(years) // 3 : len(years) // 3 + 3] for p in pupils_now.get(y, [])]
            boys = [p for p in middle if p.sex == Sex.MALE]
            plan.frequent += rng.sample(boys, min(len(boys), 2 if kind == "secondary" else 1))
        plans.append(plan)
    return plans


def _term_day_index(day: dt.date) -> int:
    """The index of the first term day on or after ``day``."""
    return bisect.bisect_left(TERM_DAYS, day)


def _threads_for(sp: _SchoolPlan, seed: int) -> list[_ThreadPlan]:
    """A school's ordinary concerns: volume from its roll and the month, categories and
    places from its phase, some followed by more concerns about the same children."""
    rng = random_stream(seed, "concerns", sp.spec.urn)
    cutoff = len(TERM_DAYS) - _RECENT_DAYS
    days = TERM_DAYS[:cutoff]
    weights = [_MONTH_WEIGHT[d.month] for d in days]
    first_year = sum(w for d, w in zip(days, weights, strict=True) if d < dt.date(2025, 9, 1))
    threads: list[_ThreadPlan] = []
    for kind, years in sp.segments:
        pupils = sum(len(sp.pupils_now.get(y, [])) for y in years)
        expected = round(pupils * _RATE[kind] * sum(weights) / first_year)
        count = 0
        while count < expected:
            day = rng.choices(days, weights=weights)[0]
            code = _weighted(rng, _CATEGORY_WEIGHTS[kind])
            group = _GROUP[code]
            first = _concern_plan(sp, rng, day, (code,), kind=kind)
            thread = _ThreadPlan(sp, [first])
            if group not in _SERIOUS and rng.random() < 0.44:
                thread.outcome = "nfa"
            else:
                more = rng.choices((0, 1, 2, 3), weights=(60, 25, 10, 5) if group not in _SERIOUS else (70, 30, 0, 0))[
                    0
                ]
                index = _term_day_index(day)
                for _ in range(more):
                    gap = rng.choices(
                        (rng.randint(2, 10), rng.randint(10, 20), rng.randint(60, 150)), weights=(80, 15, 5)
                    )[0]
                    index += gap
                    if index >= cutoff:
                        break
                    thread.concerns.append(_follow_up(sp, rng, first, TERM_DAYS[index]))
            threads.append(thread)
            count += len(thread.concerns)
    return threads


def _stories(plans: dict[str, _SchoolPlan], seed: int) -> list[_ThreadPlan]:
    """The concerns placed by hand, so the demo shows what it must: the rare categories,
    restricted and shared cases, a pair named again and again, a hot spot this half term,
    overdue referrals and tasks, and new concerns waiting for triage (one of them urgent)."""
    rng = random_stream(seed, "stories")
    threads: list[_ThreadPlan] = []

    def story(
        key: str,
        code: str,
        day: dt.date,
        year: int,
        *,
        location: str | None = None,
        detail: str | None = None,
        routes: tuple[str, ...] | None = None,
        restricted: bool = False,
        shared: bool = False,
        overdue_referral: str = "",
        overdue_task: str = "",
        not_informed: str = "",
    ) -> _ThreadPlan:
        sp = plans[key]
        concern = _concern_plan(
            sp, rng, day, (code,), kind=sp.kind_of(year), year=year, location=location, detail=detail
        )
        thread = _ThreadPlan(
            sp,
            [concern],
            routes=routes,
            restricted=restricted,
            shared=shared,
            overdue_referral=overdue_referral,
            overdue_task=overdue_task,
            not_informed=not_informed,
        )
        threads.append(thread)
        return thread

    story("oakfield-park", "sexual_assault", dt.date(2025, 2, 4), 10, location="toilets", shared=True)
    rumours = story(
        "riverside-high", "sexual_assault", dt.date(2025, 11, 17), 10, location="community", restricted=True
    )
    first = rumours.concerns[0]
    rumours.concerns.append(
        _concern_plan(
            rumours.school,
            rng,
            dt.date(2025, 11, 24),
            ("online_sexual_harassment",),
            kind="secondary",
            children=[(p, r) for p, r in first.children if r != ChildRole.WITNESS],
            location="online",
            platform="Snapchat",
        )
    )
    story(
        "oakfield-park",
        "radicalisation",
        dt.date(2026, 1, 20),
        10,
        location="classroom",
        detail="Form room",
        restricted=True,
    )
    story(
        "hartley-green",
        "cce",
        dt.date(2026, 10, 1),
        10,
        location="community",
        detail="Retail park",
        restricted=True,
        overdue_referral="social_care",
        overdue_task="Chase MASH for the outcome of the referral",
        not_informed="Not yet: social care asked us not to tell the stepfather, who may be linked to the group, "
        "until their strategy discussion. The social worker will speak to {a}'s mother.",
    )
    story("riverside-high", "cce", dt.date(2025, 3, 12), 9, location="journey", detail="Bus station")
    story(
        "oakfield-primary",
        "harmful_sexual_behaviour",
        dt.date(2026, 5, 12),
        4,
        location="toilets",
        routes=("police", "social_care", "internal"),
    )
    for key, day, year in (
        ("oakfield-park", dt.date(2025, 3, 11), 10),
        ("oakfield-park", dt.date(2026, 10, 6), 11),
        ("riverside-high", dt.date(2024, 12, 4), 9),
        ("hartley-green", dt.date(2026, 2, 3), 10),
    ):
        story(key, "nudes", day, year)
    story(
        "riverside-high",
        "nudes",
        dt.date(2026, 6, 10),
        10,
        location="online",
        routes=("police", "social_care", "internal"),
        not_informed="{a} is 15 and asked us not to tell her father yet, fearing his reaction at home. After "
        "advice from MASH we agreed to wait while the social worker makes contact; reviewed in a week.",
    )

    # A pair named together again and again at Riverside High: a case reopened twice, open now.
    sp = plans["riverside-high"]
    girls = [p for p in sp.pupils_now[9] if p.sex == Sex.FEMALE]
    affected, harmer = rng.sample(girls, 2)
    pair = [(affected, ChildRole.AFFECTED), (harmer, ChildRole.ALLEGED_HARMER)]
    concerns = [
        _concern_plan(
            sp, rng, day, (code,), kind="secondary", children=list(pair), location=place, platform=app, follow_up=n > 0
        )
        for n, (day, code, place, app) in enumerate(
            (
                (dt.date(2025, 10, 6), "bullying", "corridor", None),
                (dt.date(2025, 11, 17), "online_bullying", "online", "Snapchat"),
                (dt.date(2026, 3, 9), "physical", "corridor", None),
                (dt.date(2026, 9, 22), "bullying", "toilets", None),
                (dt.date(2026, 11, 12), "online_bullying", "online", "Snapchat"),
            )
        )
    ]
    threads.append(
        _ThreadPlan(
            sp,
            concerns,
            shared=True,
            min_days=60,
            overdue_referral="camhs",
            overdue_task="Meet {a}'s parents to review the support plan",
        )
    )

    # A hot spot this half term at Oakfield Park: four incidents in one set of toilets.
    sp = plans["oakfield-park"]
    toilets: _Place = {"location": "toilets", "detail": "Boys' toilets by the sports hall"}
    year8 = [p for p in sp.pupils_now[8] if p.sex == Sex.MALE]
    older = rng.choice([p for p in sp.pupils_now[10] if p.sex == Sex.MALE and p not in sp.frequent])
    first_boy, second_boy, third_boy, witness = rng.sample(year8, 4)
    bullied = [(first_boy, ChildRole.AFFECTED), (older, ChildRole.ALLEGED_HARMER)]
    threads.append(
        _ThreadPlan(
            sp,
            [
                _concern_plan(
                    sp, rng, dt.date(2026, 11, 3), ("bullying",), kind="secondary", children=bullied, **toilets
                ),
                _concern_plan(
                    sp,
                    rng,
                    dt.date(2026, 11, 10),
                    ("bullying",),
                    kind="secondary",
                    children=[*bullied, (witness, ChildRole.WITNESS)],
                    follow_up=True,
                    **toilets,
                ),
            ],
            overdue_referral="external",
        )
    )
    classmates = [p for p in year8 if p not in (first_boy, second_boy, third_boy, witness)]
    scuffle = [(second_boy, ChildRole.AFFECTED), (rng.choice(classmates), ChildRole.ALLEGED_HARMER)]
    threads.append(
        _ThreadPlan(
            sp,
            [
                _concern_plan(
                    sp, rng, dt.date(2026, 11, 5), ("physical",), kind="secondary", children=scuffle, **toilets
                )
            ],
            outcome="nfa",
        )
    )
    threads.append(
        _ThreadPlan(
            sp,
            [
                _concern_plan(
                    sp,
                    rng,
                    dt.date(2026, 11, 16),
                    ("physical",),
                    kind="secondary",
                    children=[(third_boy, ChildRole.AFFECTED), (older, ChildRole.ALLEGED_HARMER)],
                    **toilets,
                )
            ],
        )
    )

    # New concerns of the last few days, not yet seen by a safeguarding lead.
    for key, sp in plans.items():
        for n in range(2 if sp.spec.phase in (School.Phase.SECONDARY,) else 1):
            kind = sp.segments[-1][0]
            while True:
                day = TERM_DAYS[len(TERM_DAYS) - 1 - rng.randrange(_RECENT_DAYS)]
                code = _weighted(rng, {c: w for c, w in _CATEGORY_WEIGHTS[kind].items() if _GROUP[c] not in _SERIOUS})
                concern = _concern_plan(sp, rng, day, (code,), kind=kind, urgent=False)
                if concern.recorded <= DEMO_NOW - dt.timedelta(minutes=30):
                    break
            if key == "oakfield-park" and n == 0:
                concern = _urgent_now(sp, rng)
            threads.append(_ThreadPlan(sp, [concern], outcome="new"))
    return threads


def _urgent_now(sp: _SchoolPlan, rng: random.Random) -> _ConcernPlan:
    """This afternoon at Oakfield Park: an assault, a video going round and a threat for home time."""
    affected, witness = rng.sample([p for p in sp.pupils_now[8] if p.sex == Sex.MALE], 2)
    harmer = rng.choice([p for p in sp.pupils_now[10] if p.sex == Sex.MALE])
    a, h = _name(affected), _name(harmer)
    return _ConcernPlan(
        codes=("physical", "online_bullying"),
        group="physical",
        kind="secondary",
        occurred=_local(DEMO_TODAY, 12, 41),
        recorded=_local(DEMO_TODAY, 14, 35),
        location="corridor",
        detail="Corridor outside the sports hall",
        platform="",
        children=[
            (affected, ChildRole.AFFECTED),
            (harmer, ChildRole.ALLEGED_HARMER),
            (witness, ChildRole.WITNESS),
        ],
        what=f"{a} (Year 8) was punched and kicked by {h} (Year 10) in the corridor outside the sports hall at "
        f"lunchtime. {a} has a cut lip and sore ribs; first aid given. A video of it is being shared on Snapchat, "
        f"and {a} says {h} has threatened to 'finish it' after school today. {_name(witness)} saw it happen.",
        words="They said they'll get me at the bus stop. Everyone's sending the video round.",
        actions=f"First aid given. {a} is with the pastoral team and will not leave alone. Did not watch or forward "
        "the video. Marked urgent so a safeguarding lead sees it before home time.",
        urgent=True,
        recorder=sp.staff[2],
        told=Concern.ToldNextSteps.YES,
    )


# -- What the safeguarding lead does (planned with times, then run in time order) ---------

_SEXUAL_GROUPS = frozenset({"sh_verbal", "sh_online", "sh_contact", "upskirting", "sa", "nudes", "hsb"})


@dataclass
class _Schedule:
    actions: list[tuple[dt.datetime, int, Callable[[], object]]] = field(default_factory=list)

    def add(self, at: dt.datetime, fn: Callable[[], object]) -> bool:
        """Plan ``fn`` for the moment ``at``; what would happen after the demo's "now" does not."""
        if at > DEMO_NOW:
            return False
        self.actions.append((at.astimezone(dt.UTC), len(self.actions), fn))
        return True


def _ages(concern: _ConcernPlan) -> dict[int, int]:
    return {p.pk: age_on(p.date_of_birth, concern.occurred.date()) for p, _ in concern.children}


def _wishes(group: str) -> tuple[str, ...]:
    if group in ("cce", "radicalisation"):  # no other child involved
        return _WISHES_ALONE
    return _WISHES_SEXUAL if group in _SEXUAL_GROUPS or group == "relationship" else _WISHES


def _routes_for(concern: _ConcernPlan, rng: random.Random) -> tuple[str, ...]:
    group = concern.group
    under_13 = min(_ages(concern).values()) < 13
    fixed = {
        "sa": ("police", "social_care", "internal"),
        "cce": ("social_care", "police", "internal"),
        "radicalisation": ("police", "social_care", "internal"),
        "hate": ("police", "internal"),
        "upskirting": ("police", "internal"),
    }
    routes = list(fixed.get(group, ("internal",)))
    if group in _SEXUAL_GROUPS and under_13 and "social_care" not in routes:
        routes.insert(0, "social_care")  # the under-13 rule: the MASH advice line first
    if (group == "relationship" and rng.random() < 0.5) or (group not in _SERIOUS and rng.random() < 0.07):
        routes.append("early_help")
    return tuple(routes)


def _considerations(thread: _ThreadPlan, concern: _ConcernPlan, names: dict[str, str]) -> list[tuple[str, str, str]]:
    """The DSL's checklist (policy §7) as a DSL would answer it for this concern."""
    group, ages = concern.group, _ages(concern)
    affected = concern.children[0][0]
    harmers = [p for p, r in concern.children if r == ChildRole.ALLEGED_HARMER]
    serious = group in _SERIOUS
    crime = {
        "sa": ("yes", "Yes: a possible sexual offence. The starting point is a report to the police (policy §8)."),
        "cce": ("yes", "Yes: offences against {a} by the people exploiting {a}."),
        "nudes": (
            "yes",
            "Sharing a nude image of someone under 18 is an offence, even between children; UKCIS "
            "advice followed and the images not viewed.",
        ),
        "upskirting": ("yes", "Upskirting is an offence (Voyeurism Act 2019)."),
        "hate": ("unsure", "Possibly a hate crime; the family were asked whether they want it reported."),
        "radicalisation": ("unsure", "No offence known; the concern is about being drawn into extremist views."),
        "hsb": ("considered", "Harmful sexual behaviour beyond what is expected for the children's age."),
    }.get(
        group,
        ("no", "No crime indicated." if group != "physical" else "No injury beyond a bruise; not a police matter."),
    )
    age_text = f"{names['a']} is {ages[affected.pk]}" + (
        f" and {names['h']} is {ages[harmers[0].pk]}." if harmers else "."
    )
    answers = [
        (
            "wishes",
            "considered",
            _wishes(group)[len(names["a"]) % len(_wishes(group))],
        ),
        ("crime", *crime),
        ("ages", "considered", age_text),
    ]
    if serious or concern.kind == "special" or any(p.sen_status == SenStatus.EHC_PLAN for p in harmers):
        answers.append(
            (
                "development",
                "considered",
                "{h} has an EHC plan; understanding of the impact is limited and is part of the plan."
                if any(p.sen_status == SenStatus.EHC_PLAN for p in harmers)
                else "No concerns about either child's understanding for their age.",
            )
        )
    if group == "radicalisation":
        answers.append(("power", "yes", "Adults online who promote these views have influence over {a}."))
    elif not harmers:
        answers.append(("power", "yes", "Older young people and adults outside school hold power over {a}."))
    elif year_offset(harmers[0].year_group) > year_offset(affected.year_group):
        answers.append(("power", "yes", "{h} is older than {a}."))
    elif len(harmers) > 1:
        answers.append(("power", "yes", "Two children against one."))
    else:
        answers.append(("power", "no", "No significant imbalance of age, size or status."))
    if any(p in thread.school.frequent for p in harmers):
        answers.append(("pattern", "yes", "{h} has been named in other concerns this year."))
    else:
        answers.append(("pattern", "no", "A one-off as far as we know; nothing else on file for either child."))
    if serious:
        answers.append(
            ("relationship", "yes", "{a} and {h} have been in a relationship.")
            if group == "relationship"
            else ("relationship", "no", "Not in a relationship.")
        )
    answers.append(
        ("ongoing_risk", "yes", "To {a}, while contact with the people involved goes on: a safety plan is in place.")
        if not harmers
        else (
            "ongoing_risk",
            "yes",
            "While they share lessons and corridors: a safety plan and separate routes in place.",
        )
        if serious
        else ("ongoing_risk", "no", "Low: the children are kept apart at unstructured times and staff are aware.")
    )
    if serious:
        answers.append(
            {
                "cce": (
                    "exploitation",
                    "yes",
                    "County lines indicators: new possessions, missing episodes, older associates.",
                ),
                "radicalisation": ("exploitation", "yes", "Signs of being drawn into extremist views online."),
            }.get(group, ("exploitation", "no", "No indicators of exploitation or radicalisation."))
        )
    return [(item, answer, notes.format(**names)) for item, answer, notes in answers]  # fmt: skip


def _schedule_thread(
    thread: _ThreadPlan, sched: _Schedule, rng: random.Random, categories: dict[str, Category]
) -> None:
    sp = thread.school
    for concern in thread.concerns:
        sched.add(concern.recorded, functools.partial(_submit, concern, sp, categories))
        if thread.outcome == "new":
            continue
        if rng.random() < 0.1:
            kind, text = rng.choice(_AMENDMENTS)
            at = _after(concern.recorded, rng, 60, 360)
            text = text.format(a=_name(concern.children[0][0]))
            sched.add(at, functools.partial(_amend, concern, kind, text))
        if concern.urgent:
            concern.ack = concern.recorded + dt.timedelta(minutes=rng.randint(2, 12))
        else:
            concern.ack = _after(concern.recorded, rng, 10, 240)
        concern.ack_by = sp.dsl if thread.restricted or rng.random() < 0.65 else sp.deputy
        sched.add(concern.ack, functools.partial(_acknowledge, concern))
    if thread.outcome == "nfa":
        concern = thread.concerns[0]
        harmer = next(p for p, r in concern.children if r == ChildRole.ALLEGED_HARMER)
        rationale = rng.choice(_NFA_RATIONALES).format(a=_name(concern.children[0][0]), h=_name(harmer))
        rationale = _phase_words(rationale, concern.kind)
        sched.add(_after(concern.acknowledged, rng, 30, 1800), functools.partial(_close_at_triage, concern, rationale))
    elif thread.outcome == "case":
        _schedule_case(thread, sched, rng)


def _amend(concern: _ConcernPlan, kind: str, text: str) -> None:
    assert concern.concern is not None
    amendment_add(by=concern.recorder, concern=concern.concern, kind=kind, text=text)


def _acknowledge(concern: _ConcernPlan) -> None:
    assert concern.concern is not None and concern.ack_by is not None
    concern_acknowledge(by=concern.ack_by, concern=concern.concern)


def _close_at_triage(concern: _ConcernPlan, rationale: str) -> None:
    assert concern.concern is not None and concern.ack_by is not None
    concern_close_no_further_action(by=concern.ack_by, concern=concern.concern, rationale=rationale)


def _schedule_case(thread: _ThreadPlan, sched: _Schedule, rng: random.Random) -> None:
    """Open a case from the first concern; add the later ones, closing between episodes and
    reopening when a new concern comes in after closure."""
    first = thread.concerns[0]
    harmer = next((p for p, r in first.children if r == ChildRole.ALLEGED_HARMER), None)
    names = {"a": _name(first.children[0][0]), "h": _name(harmer) if harmer else "the other child"}
    routes = thread.routes or _routes_for(first, rng)
    serious = first.group in _SERIOUS or len(routes) > 1
    index = episode = 0
    while index < len(thread.concerns):
        members = [thread.concerns[index]]
        start = _after(members[0].acknowledged, rng, 5, 60)
        low, high = (30, 75) if serious else (21, 42)
        end = start + dt.timedelta(days=max(thread.min_days, rng.randint(low, high)))
        index += 1
        while index < len(thread.concerns):
            acknowledged = thread.concerns[index].acknowledged
            if acknowledged.date() > end.date() + dt.timedelta(days=1):
                break
            end = max(end, acknowledged + dt.timedelta(days=rng.randint(10, 21)))
            members.append(thread.concerns[index])
            index += 1
        close_day = end.date()
        while close_day.weekday() >= 5:
            close_day -= dt.timedelta(days=1)
        close = _local(close_day, 15, 0) + dt.timedelta(minutes=rng.randint(0, 90))
        last = index >= len(thread.concerns)
        if last and (thread.overdue_task or thread.overdue_referral):
            close = DEMO_NOW + dt.timedelta(days=30)  # still open "today"
        _schedule_episode(thread, sched, rng, episode, members, start, close, routes, names, last=last)
        episode += 1


def _on_case(thread: _ThreadPlan, service: Callable[..., object], **kwargs: object) -> Callable[[], None]:
    """``service(case=<the thread's case>, **kwargs)``, to run once the case exists; the
    versioned services (which refuse a save that does not say its version) are given the
    case's version as it is then."""

    def run() -> None:
        assert thread.case is not None
        versioned = service in (case_access_set, case_event_record, consideration_answer)
        extra: dict[str, object] = {"version": _version_now(thread.case)} if versioned else {}
        service(case=thread.case, **extra, **kwargs)

    return run


def _schedule_episode(
    thread: _ThreadPlan,
    sched: _Schedule,
    rng: random.Random,
    episode: int,
    members: list[_ConcernPlan],
    start: dt.datetime,
    close: dt.datetime,
    routes: tuple[str, ...],
    names: dict[str, str],
    *,
    last: bool,
) -> None:
    """One stretch of a case, from opening (or reopening) to closing: the checklist, routes,
    parents told, referrals and outcomes, support for every child, sanctions and tasks."""
    sp, first = thread.school, members[0]
    by = first.ack_by or sp.dsl

    def at(base: dt.datetime, low: int, high: int) -> dt.datetime:
        """A working moment after ``base``, before the episode closes."""
        return min(_after(base, rng, low, high), close - dt.timedelta(minutes=rng.randint(60, 180)))

    if episode == 0:

        def open_case() -> None:
            assert first.concern is not None
            kinds = ", ".join(c.name for c in first.concern.categories.all())
            thread.case = case_open(by=by, concern=first.concern, title=f"{kinds} ({_year_label(_year_of(first))})")

        sched.add(start, open_case)
        if thread.restricted:  # named: the DSL (who restricts it) and the head
            access = {"restricted": True, "named_users": [sp.head], "shared_with_trust": False}
            sched.add(start + dt.timedelta(minutes=10), _on_case(thread, case_access_set, by=sp.dsl, **access))
        if thread.shared:
            access = {"restricted": False, "named_users": [], "shared_with_trust": True}
            sched.add(at(start, 60, 1440), _on_case(thread, case_access_set, by=sp.dsl, **access))
    else:

        def reopen() -> None:
            assert thread.case is not None and first.concern is not None
            text = _REOPEN.format(ref=first.concern.reference)
            case_event_record(
                by=by, case=thread.case, version=_version_now(thread.case), kind=CaseEvent.Kind.REOPENED, text=text
            )

        sched.add(start, reopen)
    added: list[tuple[_ConcernPlan, dt.datetime]] = []
    for n, concern in enumerate(members):
        moment = start + dt.timedelta(minutes=2) if n == 0 else _after(concern.acknowledged, rng, 5, 40)
        if episode or n:

            def add(concern: _ConcernPlan = concern) -> None:
                assert thread.case is not None and concern.concern is not None
                case_add_concern(by=by, case=thread.case, concern=concern.concern)

            sched.add(moment, add)
        added.append((concern, moment))

    cursor = start
    if episode == 0:
        for item, answer, notes in _considerations(thread, first, names):
            cursor = at(cursor, 5, 120)
            sched.add(cursor, _on_case(thread, consideration_answer, by=by, item=item, answer=answer, notes=notes))
        if rng.random() < 0.5:
            wishes = rng.choice(_wishes(first.group)).format(**names)
            kind = CaseEvent.Kind.WISHES
            sched.add(at(cursor, 30, 600), _on_case(thread, case_event_record, by=by, kind=kind, text=wishes))
        for route in routes:
            cursor = at(cursor, 5, 240)
            sched.add(cursor, functools.partial(_decide, thread, route, routes, names, by))
    else:
        notes = f"A pattern: {thread.concerns.index(first) + 1} concerns about the same children now."
        cursor = at(cursor, 30, 240)
        sched.add(cursor, _on_case(thread, consideration_answer, by=by, item="pattern", answer="yes", notes=notes))

    # Each child, as they join: parents or carers told (or why not), and support.
    seen: set[int] = set()
    for concern, moment in added:
        for pupil, role in concern.children:
            if pupil.pk in seen:
                continue
            seen.add(pupil.pk)
            if role in (ChildRole.AFFECTED, ChildRole.ALLEGED_HARMER):
                told = at(moment, 30, 600)
                if thread.not_informed and role == ChildRole.AFFECTED:
                    why = {"informed": False, "rationale": thread.not_informed.format(**names)}
                else:
                    why = {"informed": True, "informed_on": told.date()}
                sched.add(told, _on_case(thread, parents_informed_record, by=by, pupil=pupil, **why))
            support = _support_text(rng, concern, role, names)
            sched.add(at(moment, 1440, 5760), _on_case(thread, support_record, by=by, pupil=pupil, description=support))

    # Referrals, and later their outcomes.
    affected = first.children[0][0]
    harmer = next((p for p, r in first.children if r == ChildRole.ALLEGED_HARMER), None)
    referrals: list[tuple[str, Pupil, str]] = []
    if episode == 0:
        referrals += [(route, affected, "") for route in routes if route != "internal"]
        if first.group in ("sa", "hsb") and harmer is not None and "social_care" in routes:
            referrals.append(("social_care", harmer, ""))
        if first.group == "sa" and harmer is not None:
            referrals += [("yos", harmer, ""), ("external", affected, _EXTERNAL_ORGANISATIONS[1])]
        elif first.group not in _SERIOUS and rng.random() < 0.12:
            referrals.append(rng.choice((("camhs", affected, ""), ("external", affected, _EXTERNAL_ORGANISATIONS[0]))))
    waiting = -1
    if last and thread.overdue_referral:  # the story's referral whose outcome never comes
        agency = thread.overdue_referral
        waiting = next((n for n, r in enumerate(referrals) if r[0] == agency), len(referrals))
        if waiting == len(referrals):
            referrals.append((agency, affected, _EXTERNAL_ORGANISATIONS[0] if agency == "external" else ""))
    for n, (agency, pupil, organisation) in enumerate(referrals):
        made = at(cursor, 10, 1440)
        holder: dict[str, Referral] = {}

        reference = "" if agency in ("external", "yos") else f"{agency[:4].upper()}-{rng.randint(10000, 99999)}"
        details = {
            "agency": agency,
            "pupil": pupil,
            "organisation_name": organisation,
            "referred_on": made.date(),
            "agency_reference": reference,
            "notes": _referral_notes(first.group, agency),
        }
        refer = _on_case(thread, _referral_make_into, holder=holder, by=by, **details)

        sched.add(made, refer)
        if n == waiting:
            continue
        outcomes = _REFERRAL_OUTCOMES[agency]
        if first.group == "sa" and agency == "police":
            final = "No further police action on the evidence available; the safety plan continues in school."
            steps = [(3, 6, outcomes[2]), (20, 35, final)]
        elif agency == "police" and first.group in _POLICE_OUTCOMES:
            steps = [(2, 9, _POLICE_OUTCOMES[first.group])]
        elif agency == "police" and first.group != "cce":
            steps = [(2, 9, rng.choice(outcomes[:2]))]
        else:
            steps = [(2, 9, rng.choice(outcomes))]
        previous = made
        for low, high, outcome in steps:
            day = add_school_days(previous.date(), rng.randint(low, high))
            moment = _local(day, rng.randint(9, 15), rng.randrange(60))
            moment = min(moment, close - dt.timedelta(minutes=rng.randint(30, 59)))
            previous = moment = max(moment, previous + dt.timedelta(minutes=30))

            outcome_recorded = functools.partial(
                _referral_outcome_from, holder, by=by, outcome=outcome, outcome_on=moment.date()
            )
            sched.add(moment, outcome_recorded)

    # A sanction for the child alleged to have harmed, where the behaviour policy calls for one.
    chance = {"physical": 0.55, "sa": 1.0, "hazing": 0.8, "hate": 0.7, "relationship": 0.4}.get(
        first.group, 0.6 if first.group in _SEXUAL_GROUPS else 0.35
    )
    if first.group in ("hsb", "cce", "radicalisation"):
        chance = 0.0
    elif first.kind == "special":
        chance = 0.15 if first.group == "physical" else 0.0
    if episode == 0 and harmer is not None and rng.random() < chance:
        if first.group == "sa" or first.kind == "primary":
            key = "sa" if first.group == "sa" else "primary"
        elif first.group in _SEXUAL_GROUPS:
            key = "sexual"
        else:
            key = "physical" if first.group == "physical" else "default"
        decided = at(start, 1440, 4320)
        sanction = {"pupil": harmer, "description": rng.choice(_SANCTIONS[key]), "decided_on": decided.date()}
        sched.add(decided, _on_case(thread, sanction_record, by=by, **sanction))

    # Tasks: done on time (mostly) and before the case closes; one left overdue where the story says.
    titles = [t for t in _TASKS if (harmer or "{h}" not in t) and not (first.group in _SEXUAL_GROUPS and "restor" in t)]
    titles = rng.sample(titles, 2)
    for title in titles[: rng.choice((1, 2)) if episode == 0 else 1]:
        created = at(start, 30, 600)
        due = created.date() + dt.timedelta(days=rng.randint(7, 15))
        done = _local(due, rng.randint(9, 16), rng.randrange(60)) - dt.timedelta(days=rng.choice((0, 0, 1, 2, -2)))
        done = max(_work(done, rng), created + dt.timedelta(hours=2))
        done = min(done, close - dt.timedelta(minutes=rng.randint(10, 50)))
        assignee = sp.deputy if by == sp.dsl else sp.dsl
        title = _phase_words(title.format(**names), first.kind)
        _schedule_task(sched, thread, title, assignee, by, created, due, done)
    if last and thread.overdue_task:
        created = at(start, 60, 600)
        due = created.date() + dt.timedelta(days=10)
        _schedule_task(sched, thread, thread.overdue_task.format(**names), by, by, created, due, None)

    if close > DEMO_NOW and DEMO_NOW - start < dt.timedelta(days=60):  # still open "today": a review coming up
        created = max(at(start, 60, 600), _work(DEMO_NOW - dt.timedelta(days=rng.randint(1, 6)), rng))
        due = DEMO_TODAY + dt.timedelta(days=rng.randint(3, 14))
        _schedule_task(sched, thread, f"Review the support plan with {names['a']}", by, by, created, due, None)
    if close <= DEMO_NOW:
        closing = (_CLOSE_SERIOUS if _serious_case(routes) else rng.choice(_CLOSE)).format(**names)
        sched.add(close - dt.timedelta(minutes=5), functools.partial(_explain_again, thread, by))
        sched.add(close, _on_case(thread, case_event_record, by=by, kind=CaseEvent.Kind.CLOSED, text=closing))


def _version_now(case: Case) -> int:
    """The case's version as stored: the demo writes as the only person at work, so it saves
    on the case as it is now (a page sends the version it was made from)."""
    return Case.objects.values_list("version", flat=True).get(pk=case.pk)


def _explain_again(thread: _ThreadPlan, by: User) -> None:
    """Before closing: where a concern that joined later brought a statutory prompt the routes
    do not meet, the DSL records the decision again with its explanation (an explanation
    covers the prompts of its time only)."""
    assert thread.case is not None
    case = thread.case
    routes = current_routes(case)
    if not rules.unmet_prompts(case_prompts(case), routes):
        return
    if prompts_explained(case.decisions.exclude(statutory_override=""), case.events.all()):
        return
    decisions_record(
        by=by,
        case=case,
        version=_version_now(case),
        routes=[sorted(routes)[0] if routes else "internal"],
        rationale=_REVIEWED_AFTER_NEW_CONCERN,
        statutory_override=_OVERRIDE_LOW_LEVEL,
    )


def _referral_make_into(
    *,
    holder: dict[str, Referral],
    by: User,
    case: Case,
    agency: str,
    pupil: Pupil,
    organisation_name: str,
    referred_on: dt.date,
    agency_reference: str,
    notes: str,
) -> None:
    holder["referral"] = referral_make(
        by=by,
        case=case,
        agency=agency,
        pupil=pupil,
        organisation_name=organisation_name,
        referred_on=referred_on,
        agency_reference=agency_reference,
        notes=notes,
    )


def _referral_outcome_from(holder: dict[str, Referral], *, by: User, outcome: str, outcome_on: dt.date) -> None:
    referral_outcome_record(referral=holder["referral"], by=by, outcome=outcome, outcome_on=outcome_on)


def _serious_case(routes: tuple[str, ...]) -> bool:
    return bool({"police", "social_care"} & set(routes))


def _year_of(concern: _ConcernPlan) -> int:
    return year_offset(concern.children[0][0].year_group) - _years_back(concern.occurred.date())


def _schedule_task(
    sched: _Schedule,
    thread: _ThreadPlan,
    title: str,
    assignee: User,
    by: User,
    created: dt.datetime,
    due: dt.date,
    done: dt.datetime | None,
) -> None:
    holder: dict[str, Task] = {}

    def add() -> None:
        assert thread.case is not None
        holder["task"] = task_add(by=by, case=thread.case, title=title, assignee=assignee, due_on=due)

    if sched.add(created, add) and done is not None:
        sched.add(done, lambda: task_complete(by=assignee, task=holder["task"]))


def _support_text(rng: random.Random, concern: _ConcernPlan, role: str, names: dict[str, str]) -> str:
    if role == ChildRole.AFFECTED:
        key = "affected_serious" if concern.group in _SERIOUS else "affected"
    elif role == ChildRole.ALLEGED_HARMER:
        key = (
            "alleged_harmer_primary"
            if concern.kind != "secondary"
            else "alleged_harmer_sexual"
            if concern.group in _SEXUAL_GROUPS
            else "alleged_harmer"
        )
    else:
        key = role
    return rng.choice(_SUPPORT[key]).format(**names)


def _referral_notes(group: str, agency: str) -> str:
    if agency == "police" and group == "radicalisation":
        return "Prevent referral form sent to the police Prevent team."
    if agency == "police" and group == "cce":
        return "Intelligence submitted to the police missing and exploitation team."
    return _REFERRAL_NOTES[agency]


def _decide(thread: _ThreadPlan, route: str, routes: tuple[str, ...], names: dict[str, str], by: User) -> None:
    """Record one route. Where the statutory prompts (police starting point, under 13) are not
    yet met by the routes decided so far, say why: the other route follows at once, or the
    MASH advice line said police were not needed."""
    assert thread.case is not None
    case = thread.case
    after = current_routes(case) | {route}
    unmet = rules.unmet_prompts(case_prompts(case), after)
    override = ""
    if unmet:
        missing = sorted({r for p in unmet for r in p.routes_needed} - after)
        if set(missing) <= set(routes):
            override = _OVERRIDE_TOGETHER.format(routes=" and ".join(_ROUTE_WORDS[r] for r in missing))
        else:
            override = _OVERRIDE_LOW_LEVEL
    group = thread.concerns[0].group
    if route == "internal":
        key = (
            "serious"
            if _serious_case(routes)
            else "nudes"
            if group == "nudes"
            else "sexual"
            if group in _SEXUAL_GROUPS
            else "physical"
            if group == "physical"
            else "default"
        )
        rationale = _INTERNAL[key]
    elif route == "early_help":
        rationale = str(_ROUTE_RATIONALE["early_help"])
    else:
        options = _ROUTE_RATIONALE[route]
        assert isinstance(options, dict)
        rationale = options.get(group, options["default"])
    decision_record(
        by=by,
        case=case,
        version=_version_now(case),
        route=route,
        rationale=rationale.format(**names),
        statutory_override=override,
    )


# The body map of a physical concern whose account names a mark on the child affected, as
# the member of staff who saw it would draw it: (words in the account, part, what was seen).
_BODY_MARKS = (
    ("had a red mark", "front_right_upper_arm", "Red mark about 3 cm across where the punches landed."),
    ("graze on one hand", "front_left_hand", "Graze across the palm, about 2 cm, cleaned by the first aider."),
)


def _marks(concern: _ConcernPlan) -> list[MarkOnBody]:
    affected = next((p for p, role in concern.children if role == ChildRole.AFFECTED), None)
    if affected is None:
        return []
    return [MarkOnBody(part, seen, affected.pk) for words, part, seen in _BODY_MARKS if words in concern.what]


def _submit(concern: _ConcernPlan, sp: _SchoolPlan, categories: dict[str, Category]) -> None:
    concern.concern = concern_submit(
        by=concern.recorder,
        school=sp.school,
        children=[ChildInConcern(pupil_id=p.pk, role=r) for p, r in concern.children],
        occurred_at=concern.occurred,
        location=concern.location,
        location_detail=concern.detail,
        online_platform=concern.platform,
        category_ids=[categories[c].pk for c in concern.codes],
        what_happened=concern.what,
        child_words=concern.words,
        actions_taken=concern.actions,
        child_told_next_steps=concern.told,
        urgent=concern.urgent,
        marks=_marks(concern),
    )
    if concern.urgent:  # what the alert task records when it e-mails every DSL and deputy
        for user in (sp.dsl, sp.deputy):
            Alert.objects.create(concern=concern.concern, kind=Alert.Kind.URGENT, recipient=user)


def demo_concerns_and_cases(*, world: DemoWorld, seed: int) -> None:
    """Two years of concerns and cases in every school (a :data:`DEMO_STEPS` step)."""
    categories = {c.code: c for c in Category.objects.filter(authority__isnull=True).order_by("valid_from")}
    plans = {p.spec.key: p for p in _school_plans(world)}
    threads = [t for sp in plans.values() for t in _threads_for(sp, seed)] + _stories(plans, seed)
    sched = _Schedule()
    for n, thread in enumerate(threads):
        _schedule_thread(thread, sched, random_stream(seed, "triage", thread.school.spec.urn, n), categories)
    with history() as clock:
        for at, _, action in sorted(sched.actions, key=lambda a: (a[0], a[1])):
            clock.at = at
            action()
    world.extra["concerns"] = sum(1 for t in threads for c in t.concerns if c.concern is not None)
    world.extra["cases"] = sum(1 for t in threads if t.case is not None)
