"""Pages for pupils, written for children in two versions: primary and secondary.

Each page is a list of (heading, paragraphs). The tests check every version's reading age
with haven.safety_plans.rules.reading_age: primary pages at 9 or under, secondary at 12 or
under. The help contacts are those in the trust's policy (seeds/000) and the review.
"""

from __future__ import annotations

Section = tuple[str, tuple[str, ...]]

TOPICS: dict[str, str] = {
    "what-happens": "What happens if I tell?",
    "sexual-harassment": "What is sexual harassment?",
    "online": "What is online abuse and sharing nudes?",
    "help": "Help now",
}

PAGES: dict[str, dict[str, tuple[Section, ...]]] = {
    "what-happens": {
        "primary": (
            (
                "When you tell us",
                (
                    "A grown-up who keeps children safe will read what you wrote.",
                    "They will be kind. You will not be in trouble for telling.",
                    "They may write back to you here. Use your code and secret words to read it.",
                    "If you asked to talk, they will come and find you at school.",
                ),
            ),
            (
                "Will other people know?",
                (
                    "We only tell the people who need to know to keep you safe.",
                    "If a child is not safe, we may need to tell other grown-ups who help. "
                    "We will tell you first if we can.",
                ),
            ),
        ),
        "secondary": (
            (
                "After you send it",
                (
                    "Your report goes to the school's safeguarding team: the staff whose job is to keep pupils safe.",
                    "They read every report. They will take it seriously and they will not blame you.",
                    "They may reply to you here, or ask you a question. Check with your reference and passphrase.",
                    "If you asked to talk to someone, a member of the team will find a quiet time to see you.",
                ),
            ),
            (
                "Who will find out?",
                (
                    "Only the people who need to know to keep you and others safe.",
                    "If someone is at risk of harm, the team may have to share it with people such as "
                    "social care or the police. They will try to tell you first.",
                    "Telling does not mean someone is punished straight away. The team looks at what happened first.",
                ),
            ),
        ),
    },
    "sexual-harassment": {
        "primary": (
            (
                "What is it?",
                (
                    "It is when someone says or does things about your body or private parts that you do not want.",
                    "It can be rude jokes, names, or touching. It can be in person or on a phone.",
                    "It is never OK, and it is never your fault.",
                ),
            ),
            (
                "What can I do?",
                (
                    "Tell a grown-up you trust, or tell us here.",
                    "You can tell us even if it was a while ago, or it happened to a friend.",
                ),
            ),
        ),
        "secondary": (
            (
                "What counts?",
                (
                    "Sexual harassment is unwanted sexual behaviour. It can happen in person or online.",
                    "It includes sexual comments or jokes, calling someone names about their body, and touching or "
                    "grabbing someone.",
                    "It includes pulling at clothes, lifting a skirt, or sending sexual messages or pictures "
                    "nobody asked for.",
                    "It is not banter and it is not part of growing up. "
                    "It is never the fault of the person it happens to.",
                ),
            ),
            (
                "What can I do?",
                (
                    "Tell an adult you trust, or report it here. You can report something you saw, or something that "
                    "happened to a friend.",
                    "You will be listened to and taken seriously.",
                ),
            ),
        ),
    },
    "online": {
        "primary": (
            (
                "What is online abuse?",
                (
                    "It is when someone is unkind, rude or scary to you on a phone, game or app.",
                    "It can be mean messages, or someone asking you for pictures of your body.",
                ),
            ),
            (
                "What should I do?",
                (
                    "Do not send pictures of your body to anyone.",
                    "If you see a picture that worries you, do not share it. Tell a grown-up.",
                    "You will not be in trouble for telling.",
                ),
            ),
        ),
        "secondary": (
            (
                "Online abuse",
                (
                    "Online abuse is any abuse that happens on the internet: on social media, in games, "
                    "in chats or by text.",
                    "It can be bullying, threats, sexual messages, or pressure to do things you do not want to do.",
                ),
            ),
            (
                "Sharing nudes",
                (
                    "If someone asks you for a nude or a semi-nude, you can say no. Pressure to send one is abuse.",
                    "If a nude of you has been shared, it is not your fault. Report Remove can help take it down.",
                    "Do not forward a nude of anyone, even as a joke. Tell an adult or report it here instead.",
                    "If an adult is talking to you in a sexual way online, report it to CEOP.",
                ),
            ),
        ),
    },
    "help": {
        "primary": (
            (
                "Talk to someone now",
                (
                    "Childline: call 0800 1111. It is free and you can call any time, day or night.",
                    "If someone is in danger right now, call 999.",
                ),
            ),
        ),
        "secondary": (
            (
                "Talk to someone now",
                (
                    "Childline: call 0800 1111, free, any time, or chat online at childline.org.uk.",
                    "If someone is in danger right now, call 999.",
                    "NSPCC helpline for adults worried about a child: 0808 800 5000 or help@nspcc.org.uk.",
                ),
            ),
            (
                "Online",
                (
                    "CEOP: report an adult who is talking to you in a sexual way online, at ceop.police.uk.",
                    "Report Remove: get a nude of you taken down from the internet, at childline.org.uk/remove.",
                ),
            ),
        ),
    },
}

# Links shown on the help page (plain links: nothing is loaded from them).
HELP_LINKS = (
    ("Childline", "https://www.childline.org.uk/get-support/"),
    ("NSPCC: reporting abuse", "https://www.nspcc.org.uk/keeping-children-safe/reporting-abuse/"),
    ("CEOP reporting", "https://www.ceop.police.uk/Safety-Centre/"),
    (
        "Report Remove",
        "https://www.childline.org.uk/info-advice/bullying-abuse-safety/online-mobile-safety/remove-nude-image-shared-online/",
    ),
)


def page_text(topic: str, phase: str) -> str:
    return "\n".join(" ".join(paras) for _, paras in PAGES[topic][phase])
