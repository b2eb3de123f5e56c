"""The body map of a concern: where on a child's body staff saw an injury or a mark, each in
words (never a photo), drawn on a front and back outline.

A mark is placed by naming a part of the body (a select works without JavaScript, with the
keyboard and with a screen reader); the outline shows the marks numbered at that part, and
with JavaScript a tap on the outline chooses the part. Left and right are always the
child's: on the front view the child's right is on the reader's left.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_MARKS = 12
DESCRIPTION_MAX = 500

# The outline of one figure, 200 wide and 420 tall (the back is the same shape); the SVG
# puts the front at x=0 and the back at x=BACK_OFFSET.
FIGURE_PATHS = (
    "M100 8 C116 8 124 22 124 38 C124 56 114 68 100 68 C86 68 76 56 76 38 C76 22 84 8 100 8 Z",  # head
    "M90 66 L110 66 L112 82 L88 82 Z",  # neck
    "M58 86 Q100 76 142 86 L136 200 L140 236 L60 236 L64 200 Z",  # body
    "M58 86 L44 92 L24 240 L40 244 L62 132 Z",  # arm on the reader's left
    "M142 86 L156 92 L176 240 L160 244 L138 132 Z",  # arm on the reader's right
    "M23 244 C18 262 26 272 32 272 C40 272 44 262 41 246 Z",  # hand
    "M177 244 C182 262 174 272 168 272 C160 272 156 262 159 246 Z",  # hand
    "M60 236 L99 236 L95 392 L71 392 Z",  # leg on the reader's left
    "M101 236 L140 236 L129 392 L105 392 Z",  # leg on the reader's right
    "M70 392 L96 392 L98 406 L66 406 Z",  # foot
    "M104 392 L130 392 L134 406 L102 406 Z",  # foot
)
FIGURE_WIDTH, FIGURE_HEIGHT, BACK_OFFSET = 200, 420, 220


@dataclass(frozen=True)
class Region:
    code: str
    name: str  # as the select lists it under its side ("Right upper arm")
    side: str  # "front" or "back"
    x: int
    y: int

    @property
    def label(self) -> str:
        """As a record reads it: "Right upper arm (front)"."""
        return f"{self.name} ({self.side})"


def _pair(code: str, name: str, side: str, x_reader_left: int, y: int) -> tuple[Region, Region]:
    """The child's right and left of one part. On the front the child's right is on the
    reader's left; on the back it is on the reader's right."""
    mirror = FIGURE_WIDTH - x_reader_left
    right_x, left_x = (x_reader_left, mirror) if side == "front" else (mirror, x_reader_left)
    return (
        Region(f"{side}_right_{code}", f"Right {name}", side, right_x, y),
        Region(f"{side}_left_{code}", f"Left {name}", side, left_x, y),
    )


REGIONS: tuple[Region, ...] = (
    Region("front_head", "Head", "front", 100, 22),
    Region("front_face", "Face", "front", 100, 46),
    Region("front_neck", "Neck", "front", 100, 75),
    *_pair("shoulder", "shoulder", "front", 68, 94),
    Region("front_chest", "Chest", "front", 100, 112),
    Region("front_abdomen", "Tummy (abdomen)", "front", 100, 168),
    Region("front_genitals", "Genital area", "front", 100, 226),
    *_pair("upper_arm", "upper arm", "front", 50, 126),
    *_pair("forearm", "forearm and wrist", "front", 36, 198),
    *_pair("hand", "hand", "front", 32, 258),
    *_pair("thigh", "thigh", "front", 80, 272),
    *_pair("knee", "knee", "front", 82, 316),
    *_pair("shin", "lower leg and shin", "front", 84, 356),
    *_pair("foot", "foot and ankle", "front", 82, 398),
    Region("back_head", "Back of the head", "back", 100, 32),
    Region("back_neck", "Back of the neck", "back", 100, 75),
    *_pair("shoulder", "shoulder blade", "back", 72, 104),
    Region("back_upper", "Upper back", "back", 100, 128),
    Region("back_lower", "Lower back", "back", 100, 184),
    Region("back_buttocks", "Bottom (buttocks)", "back", 100, 224),
    *_pair("upper_arm", "upper arm, back", "back", 50, 126),
    *_pair("forearm", "forearm, back", "back", 36, 198),
    *_pair("hand", "back of the hand", "back", 32, 258),
    *_pair("thigh", "thigh, back", "back", 80, 272),
    *_pair("knee", "back of the knee", "back", 82, 316),
    *_pair("calf", "calf", "back", 84, 356),
    *_pair("heel", "heel", "back", 82, 398),
)
BY_CODE = {r.code: r for r in REGIONS}
SIDES = (("front", "Front of the body"), ("back", "Back of the body"))


def choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The parts of the body for a select, grouped by side."""
    return [(title, [(r.code, r.name) for r in REGIONS if r.side == side]) for side, title in SIDES]


def label(code: str) -> str:
    region = BY_CODE.get(code)
    return region.label if region else code


@dataclass(frozen=True)
class Spot:
    """One mark where the outline draws it: its number, at the part's place (nudged when
    two marks share a part so both numbers show)."""

    number: int
    x: int
    y: int
    label: str
    description: str
    child: str = ""  # whose body, where the map shows more than one child's


def figure(marks: Any) -> dict[str, Any]:
    """What the outline template draws for ``marks`` (objects or dicts with number, region
    and description, in number order)."""
    spots: list[Spot] = []
    seen: dict[str, int] = {}
    for mark in marks:
        if isinstance(mark, dict):
            number, code, description, child = (
                mark["number"],
                mark["region"],
                mark["description"],
                mark.get("child", ""),
            )
        else:
            number, code, description = mark.number, mark.region, mark.description
            child = mark.pupil.display_name if mark.pupil_id else ""
        region = BY_CODE.get(code)
        if region is None:
            continue
        nth = seen[code] = seen.get(code, -1) + 1
        offset = BACK_OFFSET if region.side == "back" else 0
        x, y = region.x + offset + 16 * nth, region.y + 8 * (nth % 2)
        spots.append(Spot(number, x, y, region.label, description, child))
    return {
        "paths": FIGURE_PATHS,
        "back_offset": BACK_OFFSET,
        "width": FIGURE_WIDTH + BACK_OFFSET,
        "height": FIGURE_HEIGHT + 24,
        "spots": spots,
        "regions": [(r, r.x + (BACK_OFFSET if r.side == "back" else 0)) for r in REGIONS],
    }


def summary(marks: Any) -> str:
    """The marks in words, as the chronology prints them (dicts of the read model, each with
    the child's name as "child" where the chronology covers more than one child)."""
    lines = [
        f"{m['number']}. {m['child'] + ', ' if m.get('child') else ''}{label(m['region'])}: {m['description']}"
        for m in marks
    ]
    return "Body map: " + "; ".join(lines) if lines else ""
