"""A browser's user agent as a short plain phrase ("Firefox on Windows", "Safari on an iPhone"),
for a person to recognise their own sessions. Only words from the lists below ever come out:
nothing of the string itself (versions, build numbers, device models) is kept or shown."""

from __future__ import annotations

# The first match wins: order matters where one browser names another in its user agent
# (Edge and Opera say "Chrome", Chrome says "Safari", iOS browsers all run on Safari's engine).
_BROWSERS: tuple[tuple[str, str], ...] = (
    ("edg/", "Edge"),
    ("edga/", "Edge"),
    ("edgios/", "Edge"),
    ("opr/", "Opera"),
    ("opera", "Opera"),
    ("samsungbrowser/", "Samsung Internet"),
    ("firefox/", "Firefox"),
    ("fxios/", "Firefox"),
    ("crios/", "Chrome"),
    ("chromium/", "Chromium"),
    ("chrome/", "Chrome"),
    ("safari/", "Safari"),
)
_SYSTEMS: tuple[tuple[str, str], ...] = (
    ("iphone", "an iPhone"),
    ("ipad", "an iPad"),
    ("android", "Android"),
    ("cros", "a Chromebook"),
    ("windows", "Windows"),
    ("macintosh", "a Mac"),
    ("mac os x", "a Mac"),
    ("linux", "Linux"),
)
UNKNOWN = "An unknown browser"


def describe(user_agent: str) -> str:
    """``"<browser> on <system>"``, either part dropped when unknown; :data:`UNKNOWN` when
    neither is recognised."""
    ua = user_agent.lower()[:1000]
    browser = next((name for marker, name in _BROWSERS if marker in ua), "")
    system = next((name for marker, name in _SYSTEMS if marker in ua), "")
    if browser and system:
        return f"{browser} on {system}"
    if browser:
        return browser
    if system:
        return f"A browser on {system}"
    return UNKNOWN
