from conftest import sign_in


def test_visitor_sees_the_sign_in_form(client, db):
    r = client.get("/")
    assert r.status_code == 200
    assert b"Sign in to Haven" in r.content


def test_dsl_home_shows_their_school_pupils(client, world):
    sign_in(client, world.users["dsl_a"])
    r = client.get("/")
    assert r.status_code == 200
    assert "Alder Academy: pupils" in r.text
    assert "Birch Academy" not in r.text


def test_staff_home_says_who_to_tell(client, world):
    sign_in(client, world.users["staff_a"])
    r = client.get("/")
    assert r.status_code == 200
    assert "Who to tell" in r.text
    assert "Dsl A, Designated safeguarding lead at Alder Academy" in r.text
