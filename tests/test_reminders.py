"""Reminders: each person's email digest of what is due, emails when an assessment moves on,
and a calendar feed behind a secret link. Email goes to a real SMTP server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import logging
import socket
from email import message_from_bytes
from email.policy import default as default_policy

import icalendar
import pytest
from aiosmtpd.controller import Controller

from hiat import create_app, ical, monitoring, reminders, store
from hiat.reminders import ACTION, READING, REVIEW, Reminder
from hiat.settings import SettingError
from tests.conftest import check_page, normalize, signed_in_client
from tests.test_workflow import signed_team, team  # noqa: F401 (fixtures)

BASE = "https://hiat.example.org"
TODAY = dt.date(2027, 6, 1)


# ---------------------------------------------------------------- a real mail server
class Inbox:
    """What the SMTP server received: each message as a reader's mail program parses it."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.content, policy=default_policy)
        self.messages.append((tuple(envelope.rcpt_tos), message))
        return "250 Message accepted"

    def to(self, address: str):
        found = [m for rcpt, m in self.messages if address in rcpt]
        assert len(found) == 1, (address, [r for r, _ in self.messages])
        return found[0]

    def recipients(self) -> list[str]:
        return sorted(r for rcpt, _ in self.messages for r in rcpt)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()


def use_mail(app, port: int) -> None:
    app.config.update(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_FROM="hiat@example.org",
        SMTP_STARTTLS=False,
        BASE_URL=BASE,
    )


def body(message) -> str:
    """The text as a mail program shows it (SMTP carries CRLF line ends)."""
    return message.get_content().replace("\r\n", "\n")


def subject(message) -> str:
    """The subject as a mail program shows it: a long one is folded onto a second line."""
    return normalize(str(message["Subject"]))


@pytest.fixture
def signed(signed_team):  # noqa: F811 (signed_team is imported)
    """The worked example's copy (review date 31 March 2028), signed off by the ICB approver."""
    return signed_team


def first_action_link(client, uid: str) -> str:
    page = check_page(client.get(f"/assessments/{uid}/actions").get_data(as_text=True))
    return page.select_one("tbody th a")["href"]


# ---------------------------------------------------------------- the digest, pure
def reminder(kind: str, due: dt.date, title: str = "Green Plan", what: str = "It") -> Reminder:
    return Reminder(kind, title, what, due, f"{BASE}/assessments/abc", f"{kind}-{due}")


def test_the_digest_lists_what_is_overdue_then_due_soon_with_dates_people_read():
    items = [
        reminder(REVIEW, dt.date(2027, 5, 1), what="The review of revision 1"),
        reminder(ACTION, dt.date(2027, 6, 30), what="The action “Train staff”"),
        reminder(ACTION, dt.date(2027, 5, 31), what="The action “Open the hub”"),
        reminder(READING, dt.date(2027, 6, 2), what="The reading of “Asthma admissions”"),
        reminder(REVIEW, dt.date(2027, 9, 1), what="A review too far off"),
    ]
    email = reminders.digest("a@x.org", "Alex", items, TODAY, f"{BASE}/account/notifications")
    lines = email.body.splitlines()
    assert email.to == "a@x.org"
    assert email.subject == (
        "Health equity impact assessment: 1 review overdue, 1 action overdue, "
        "1 action due soon and 1 indicator reading due soon"
    )
    assert lines[0] == "Hello Alex,"
    assert "due by 1 July 2027" in lines[2] and "Written on 1 June 2027." in lines[2]
    headings = [line for line in lines if line and not line.startswith((" ", "-", "Hello"))]
    assert headings[1:5] == [
        "Reviews overdue",
        "Actions overdue",
        "Actions due soon",
        "Indicator readings due soon",
    ]
    assert "- The review of revision 1 was due on 1 May 2027 (31 days ago)" in lines
    assert "- The action “Open the hub” was due on 31 May 2027 (1 day ago)" in lines
    assert "- The action “Train staff” is due on 30 June 2027 (in 29 days)" in lines
    assert "  Assessment: Green Plan" in lines
    assert f"  {BASE}/assessments/abc" in lines
    assert "A review too far off" not in email.body
    assert lines[-1].endswith(f"go to {BASE}/account/notifications")


def test_nothing_overdue_or_due_within_30_days_makes_no_digest():
    far = [reminder(REVIEW, TODAY + dt.timedelta(days=31))]
    assert reminders.digest("a@x.org", "Alex", far, TODAY, "link") is None
    assert reminders.digest("a@x.org", "Alex", [], TODAY, "link") is None
    due = [reminder(REVIEW, TODAY + dt.timedelta(days=30))]
    assert (
        "is due on 1 July 2027 (in 30 days)"
        in reminders.digest("a@x.org", "Alex", due, TODAY, "link").body
    )


def test_hostile_titles_stay_on_their_own_line_in_the_email():
    hostile = "Plan\r\nSubject: forged\n\n- Review done \u202eevil\x07"
    email = reminders.digest(
        "a@x.org", "Alex\nBcc: x@y", [reminder(ACTION, TODAY, hostile, hostile)], TODAY, "l"
    )
    lines = email.body.splitlines()
    assert "Subject: forged" not in lines and "- Review done" not in lines
    assert lines[0] == "Hello Alex Bcc: x@y,"
    assert "  Assessment: Plan Subject: forged - Review done \u202eevil\u202c" in lines
    assert "\x07" not in email.body
    notice = reminders.notice(reminders.SENT, "a@x.org", "A", hostile, 1, "B", "l")
    assert "\n" not in notice.subject and "\r" not in notice.subject


# ---------------------------------------------------------------- flask remind
def remind(app, *args: str):
    return app.test_cli_runner().invoke(args=["remind", *args])


def test_remind_emails_each_person_one_digest_through_the_smtp_server(app, signed, smtp):
    uid, author, _, _ = signed
    inbox, port = smtp
    link = first_action_link(author, uid)
    author.post(link, data={"status": "on_track", "due_date": "1 4 2028", "note": "Started."})
    use_mail(app, port)
    result = remind(app, "--today", "2028-04-15")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "Sent 3 digests, 0 people had nothing due, 0 have digests turned off."
    )
    assert inbox.recipients() == [
        "alex@wirral.gov.uk",
        "dee@cheshireandmerseyside.nhs.uk",
        "rey@wirral.gov.uk",
    ]
    mine = inbox.to("alex@wirral.gov.uk")
    assert mine["To"] == "alex@wirral.gov.uk"
    assert mine["From"].addresses[0].addr_spec == "hiat@example.org"
    # Signed today, the worked example's indicators (every quarter, every year) are all
    # overdue for a reading by April 2028.
    assert subject(mine) == (
        "Health equity impact assessment: 1 review overdue, 1 action overdue and "
        "25 indicator readings overdue"
    )
    text = body(mine).splitlines()
    assert text[0] == "Hello Alex Author,"
    assert "- The review of revision 1 was due on 31 March 2028 (15 days ago)" in text
    action_line = next(line for line in text if line.startswith("- The action “"))
    assert action_line.endswith("was due on 1 April 2028 (14 days ago)")
    assert f"  {BASE}/assessments/{uid}" in text
    assert f"  {BASE}{link}" in text
    assert f"{BASE}/account/notifications" in text[-1]
    # Reviewers and approvers hear of the review, not of the actions: those are the authors'.
    reviewer = body(inbox.to("rey@wirral.gov.uk"))
    assert "The review of revision 1 was due on 31 March 2028" in reviewer
    assert "The action" not in reviewer


def test_done_actions_and_far_off_dates_are_left_out(app, signed, smtp):
    uid, author, _, _ = signed
    inbox, port = smtp
    link = first_action_link(author, uid)
    author.post(link, data={"status": "done", "due_date": "1 3 2028"})
    use_mail(app, port)
    result = remind(app, "--today", "2028-01-01")
    assert result.exit_code == 0, result.output
    # Only the author hears, and only of indicator readings: the action is done and the
    # review is three months off.
    assert "Sent 1 digest, 2 people had nothing due" in result.output
    assert inbox.recipients() == ["alex@wirral.gov.uk"]
    early = body(inbox.to("alex@wirral.gov.uk"))
    assert "The action" not in early and "The review" not in early
    assert "The next reading of “" in early
    inbox.messages.clear()
    soon = remind(app, "--today", "2028-03-15")
    assert "Sent 3 digests" in soon.output
    assert "The action" not in body(inbox.to("alex@wirral.gov.uk"))
    assert "is due on 31 March 2028 (in 16 days)" in body(inbox.to("alex@wirral.gov.uk"))


def test_people_who_turn_the_digest_off_get_none(app, signed, smtp):
    _, _, reviewer, _ = signed
    inbox, port = smtp
    page = check_page(reviewer.get("/account/notifications").get_data(as_text=True))
    assert page.select_one('input[name="digest"][value="yes"]').has_attr("checked")
    assert reviewer.post("/account/notifications", data={"digest": "no"}).status_code == 302
    page = check_page(reviewer.get("/account/notifications").get_data(as_text=True))
    assert page.select_one('input[name="digest"][value="no"]').has_attr("checked")
    assert "You will not get the email digest" in normalize(page.text)
    use_mail(app, port)
    result = remind(app, "--today", "2028-04-15")
    assert result.output.strip() == (
        "Sent 2 digests, 0 people had nothing due, 1 has digests turned off."
    )
    assert "rey@wirral.gov.uk" not in inbox.recipients()


def test_the_digest_choice_must_be_made(app, signed):
    _, _, reviewer, _ = signed
    reply = reviewer.post("/account/notifications", data={})
    page = check_page(reply.get_data(as_text=True))
    assert page.title.text.startswith("Error: ")
    link = page.select_one(".govuk-error-summary a")
    assert normalize(link.text) == "Select yes if you want the digest, or no"
    assert link["href"] == "#digest"


def test_without_a_mail_server_the_digests_are_printed(app, signed):
    result = remind(app, "--today", "2028-04-15")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Email is not set up (no HIAT_SMTP_HOST)")
    assert "To: rey@wirral.gov.uk" in result.output
    assert "The review of revision 1 was due on 31 March 2028" in result.output
    assert result.output.rstrip().endswith(
        "Printed 3 digests, 0 people had nothing due, 0 have digests turned off."
    )


def test_a_dry_run_prints_and_sends_nothing(app, signed, smtp):
    inbox, port = smtp
    use_mail(app, port)
    result = remind(app, "--dry-run", "--today", "2028-04-15")
    assert result.exit_code == 0
    assert "Printed 3 digests" in result.output and f"{BASE}/assessments/" in result.output
    assert inbox.messages == []


def test_remind_with_the_mail_server_down_says_why_and_fails(app, signed):
    use_mail(app, free_port())  # nothing listens there
    result = remind(app, "--today", "2028-04-15")
    assert result.exit_code == 1
    assert "Sent 0 digests of 3, then stopped: could not send email through 127.0.0.1:" in (
        result.output
    )
    assert "the connection was refused" in result.output
    assert "Traceback" not in result.output


def test_a_wrong_mail_password_is_reported_without_showing_it(app, signed):
    from aiosmtpd.smtp import AuthResult

    def check(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=auth_data.password == b"the right one", handled=False)

    inbox = Inbox()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=check,
        auth_require_tls=False,
    )
    controller.start()
    try:
        use_mail(app, controller.port)
        app.config.update(SMTP_USERNAME="hiat", SMTP_PASSWORD="a wrong secret")
        refused = remind(app, "--today", "2028-04-15")
        app.config["SMTP_PASSWORD"] = "the right one"
        accepted = remind(app, "--today", "2028-04-15")
    finally:
        controller.stop()
    assert refused.exit_code == 1
    assert "refused the user name and password in HIAT_SMTP_USERNAME and HIAT_SMTP_PASSWORD" in (
        refused.output
    )
    assert "a wrong secret" not in refused.output
    assert accepted.exit_code == 0 and len(inbox.messages) == 3


def test_a_mail_server_without_encryption_is_refused_unless_starttls_is_off(app, signed, smtp):
    inbox, port = smtp
    use_mail(app, port)
    app.config["SMTP_STARTTLS"] = True
    result = remind(app, "--today", "2028-04-15")
    assert result.exit_code == 1
    assert "does not offer STARTTLS; set HIAT_SMTP_STARTTLS=off only if" in result.output
    assert inbox.messages == []


def test_remind_needs_the_services_address_to_send(app, signed, smtp):
    _, port = smtp
    use_mail(app, port)
    app.config["BASE_URL"] = ""
    result = remind(app)
    assert result.exit_code == 1
    assert "set HIAT_BASE_URL to the address people open the service at" in result.output


def test_mail_settings_that_cannot_work_stop_the_start(tmp_path):
    base = {"TESTING": True, "DATABASE": str(tmp_path / "hiat.db"), "SECRET_KEY": "test"}
    with pytest.raises(SettingError, match="set HIAT_SMTP_FROM"):
        create_app({**base, "SMTP_HOST": "mail.example.org"})
    with pytest.raises(SettingError, match="HIAT_SMTP_PORT must be a whole number"):
        create_app({**base, "SMTP_HOST": "m", "SMTP_FROM": "h@x.org", "SMTP_PORT": "smtp"})
    with pytest.raises(SettingError, match="HIAT_BASE_URL must be the address"):
        create_app({**base, "BASE_URL": "hiat.example.org"})
    app = create_app({**base, "BASE_URL": "https://hiat.example.org/", "SMTP_STARTTLS": "off"})
    assert app.config["BASE_URL"] == "https://hiat.example.org"
    assert app.config["SMTP_STARTTLS"] is False


# ---------------------------------------------------------------- notices
def test_sending_for_review_emails_the_reviewers_and_approvers(app, team, smtp):  # noqa: F811
    uid, author, _, _ = team
    inbox, port = smtp
    use_mail(app, port)
    assert author.post(f"/assessments/{uid}/send-for-review").status_code == 302
    assert inbox.recipients() == ["dee@cheshireandmerseyside.nhs.uk", "rey@wirral.gov.uk"]
    message = inbox.to("rey@wirral.gov.uk")
    assert subject(message).startswith("Health equity impact assessment: “")
    assert subject(message).endswith("” was sent for review")
    text = body(message)
    assert text.startswith("Hello Rey Reviewer,\n\nAlex Author sent “")
    assert f"{BASE}/assessments/{uid}\n" in text


def test_returning_to_draft_and_signing_off_email_the_authors(app, team, smtp):  # noqa: F811
    uid, author, reviewer, approver = team
    inbox, port = smtp
    use_mail(app, port)
    author.post(f"/assessments/{uid}/send-for-review")
    inbox.messages.clear()
    reviewer.post(f"/assessments/{uid}/return-to-draft")
    assert inbox.recipients() == ["alex@wirral.gov.uk"]
    assert "Rey Reviewer returned “" in body(inbox.to("alex@wirral.gov.uk"))
    inbox.messages.clear()
    author.post(f"/assessments/{uid}/send-for-review")
    inbox.messages.clear()
    approver.post(
        f"/assessments/{uid}/sign-off",
        data={"job_title": "Director of Public Health", "confirm": "y"},
    )
    signed = inbox.to("alex@wirral.gov.uk")
    assert inbox.recipients() == ["alex@wirral.gov.uk"]
    assert subject(signed).endswith("” was signed off")
    assert "Dee Director signed off revision 1 of “" in body(signed)
    assert f"{BASE}/assessments/{uid}/approved" in body(signed)


def test_a_failing_mail_server_does_not_stop_the_sign_off(app, team, caplog):  # noqa: F811
    uid, author, _, approver = team
    author.post(f"/assessments/{uid}/send-for-review")
    use_mail(app, free_port())  # nothing listens there
    with caplog.at_level(logging.WARNING):
        reply = approver.post(
            f"/assessments/{uid}/sign-off",
            data={"job_title": "Director of Public Health", "confirm": "y"},
            follow_redirects=True,
        )
    assert reply.status_code == 200
    page = check_page(reply.get_data(as_text=True))
    assert "We could not email alex@wirral.gov.uk to tell them" in normalize(page.text)
    assert "Tell them yourself." in normalize(page.text)
    with app.app_context():
        assert store.get_assessment(store.get_db(), uid).status == store.APPROVED
    assert "Could not email 1 people" in caplog.text


# ---------------------------------------------------------------- the calendar feed
def make_feed(client) -> str:
    reply = client.post("/account/notifications/calendar")
    page = check_page(reply.get_data(as_text=True))
    return page.select_one("#calendar-link")["value"]


def events(calendar: bytes) -> list:
    return list(icalendar.Calendar.from_ical(calendar).walk("VEVENT"))


def test_the_calendar_feed_has_all_day_events_with_alarms_and_stable_uids(app, signed):
    uid, author, _, _ = signed
    app.config["BASE_URL"] = BASE
    link = first_action_link(author, uid)
    author.post(link, data={"status": "at_risk", "due_date": "30 6 2027"})
    url = make_feed(author)
    assert url.startswith(f"{BASE}/calendar/") and url.endswith(".ics")
    path = url.removeprefix(BASE)
    anonymous = app.test_client()
    first = anonymous.get(path)
    assert first.status_code == 200
    assert first.mimetype == "text/calendar"
    every = events(first.data)
    readings = [e for e in every if str(e["UID"]).startswith(f"reading-{uid}-1-")]
    assert len(readings) == 25  # one next reading per indicator of the worked example
    assert {str(e["SUMMARY"]).split(":")[0] for e in readings} == {"Indicator reading due"}
    found = [e for e in every if e not in readings]
    assert [str(e["SUMMARY"]).split(":")[0] for e in found] == ["Action due", "Review due"]
    action, review = found
    assert action["DTSTART"].dt == dt.date(2027, 6, 30)
    assert action["DTEND"].dt == dt.date(2027, 7, 1)
    assert action["DTSTART"].params.get("VALUE") == "DATE"
    assert review["DTSTART"].dt == dt.date(2028, 3, 31)
    assert str(review["UID"]) == f"review-{uid}-1@hiat"
    assert str(action["UID"]).startswith(f"action-{uid}-1-")
    assert str(action["URL"]) == f"{BASE}{link}"
    for event in found:
        alarm = event.walk("VALARM")[0]
        assert str(alarm["ACTION"]) == "DISPLAY"
        assert alarm["TRIGGER"].dt == dt.timedelta(days=-3)
        assert "DTSTAMP" in event
    second = events(anonymous.get(path).data)
    assert [str(e["UID"]) for e in second] == [str(e["UID"]) for e in every]


def test_a_reviewer_sees_review_dates_only(app, signed):
    uid, author, reviewer, _ = signed
    author.post(first_action_link(author, uid), data={"status": "on_track", "due_date": "1 1 2028"})
    url = make_feed(reviewer)
    found = events(app.test_client().get(url.split("localhost", 1)[1]).data)
    assert [str(e["UID"]) for e in found] == [f"review-{uid}-1@hiat"]


def test_stopping_the_calendar_link_makes_the_old_one_not_found(app, signed):
    _, author, _, _ = signed
    path = make_feed(author).split("localhost", 1)[1]
    anonymous = app.test_client()
    assert anonymous.get(path).status_code == 200
    page = check_page(author.get("/account/notifications").get_data(as_text=True))
    status = normalize(page.select_one("#calendar-status").text)
    assert status.startswith("You have a calendar link, made on")
    assert page.select_one("#calendar-link") is None  # shown only when it is made
    assert author.post("/account/notifications/calendar/revoke").status_code == 302
    assert anonymous.get(path).status_code == 404
    page = check_page(author.get("/account/notifications").get_data(as_text=True))
    assert "You do not have a calendar link." in normalize(page.text)
    newer = make_feed(author).split("localhost", 1)[1]
    assert newer != path
    assert anonymous.get(newer).status_code == 200
    assert anonymous.get(path).status_code == 404
    # A new link replaces the old one.
    newest = make_feed(author).split("localhost", 1)[1]
    assert anonymous.get(newer).status_code == 404 and anonymous.get(newest).status_code == 200


def test_a_wrong_calendar_link_is_not_found_and_the_secret_is_not_logged(app, signed, caplog):
    _, author, _, _ = signed
    path = make_feed(author).split("localhost", 1)[1]
    anonymous = app.test_client()
    assert anonymous.get("/calendar/not-the-secret.ics").status_code == 404
    assert anonymous.get(path[:-5] + "x.ics").status_code == 404
    with caplog.at_level(logging.INFO, logger="hiat.requests"):
        logging.getLogger("hiat.requests").addHandler(caplog.handler)
        try:
            anonymous.get(path)
        finally:
            logging.getLogger("hiat.requests").removeHandler(caplog.handler)
    secret = path.removeprefix("/calendar/").removesuffix(".ics")
    assert "/calendar/<token>.ics" in caplog.text
    assert secret not in caplog.text


def test_a_disabled_account_has_no_calendar(app, signed):
    _, author, _, _ = signed
    path = make_feed(author).split("localhost", 1)[1]
    with app.app_context():
        db = store.get_db()
        store.set_disabled(db, store.find_user(db, "alex@wirral.gov.uk").id, True)
    assert app.test_client().get(path).status_code == 404


def test_hostile_text_is_escaped_in_the_calendar():
    hostile = "Plan; A, B \\ C\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nSUMMARY:forged"
    item = Reminder(ACTION, hostile, hostile, TODAY, f"{BASE}/a", "action-x-1-q-0")
    data = ical.feed([item], dt.datetime(2027, 1, 1, tzinfo=dt.UTC), "Alex\r\nX-EVIL:1")
    lines = data.split(b"\r\n")
    assert lines.count(b"BEGIN:VEVENT") == 1 and lines.count(b"END:VEVENT") == 1
    assert not any(line.startswith((b"SUMMARY:forged", b"X-EVIL")) for line in lines)
    (event,) = events(data)
    assert str(event["SUMMARY"]) == (
        "Action due: Plan; A, B \\ C END:VEVENT BEGIN:VEVENT SUMMARY:forged"
    )
    assert b"Plan\\; A\\, B \\\\ C" in data


def test_the_settings_page_needs_sign_in_but_the_feed_does_not(app, signed):
    anonymous = app.test_client()
    assert anonymous.get("/account/notifications").status_code == 302
    assert anonymous.post("/account/notifications/calendar").status_code == 302
    client = signed_in_client(app, email="sam@knowsley.gov.uk", organisation="Knowsley Council")
    page = check_page(client.get("/account/notifications").get_data(as_text=True))
    assert page.h1.text == "Email reminders and calendar"
    # Someone with no role on any assessment has an empty calendar, not an error.
    path = make_feed(client).split("localhost", 1)[1]
    assert events(anonymous.get(path).data) == []


def test_a_reading_recorded_moves_the_next_reading_on_in_the_digest_and_calendar(app, signed):
    uid, author, _, _ = signed
    app.config["BASE_URL"] = BASE
    page = check_page(author.get(f"/assessments/{uid}/indicators").get_data(as_text=True))
    link = page.select_one("tbody th a")["href"]
    question_id, row = link.rsplit("/", 2)[-2:]
    name = normalize(page.select_one("tbody th a").text)
    feed = make_feed(author).removeprefix(BASE)
    anonymous = app.test_client()

    def next_reading() -> dt.date:
        uid_key = f"reading-{uid}-1-{question_id}-{row}@hiat"
        (event,) = [e for e in events(anonymous.get(feed).data) if str(e["UID"]) == uid_key]
        assert str(event["URL"]) == f"{BASE}{link}"
        return event["DTSTART"].dt

    # The worked example's first indicator is read every quarter: first due a quarter on from
    # the sign-off.
    assert next_reading() == monitoring.add_months(dt.date.today(), 3)
    read_on = dt.date.today() - dt.timedelta(days=40)
    reply = author.post(link, data={"date": read_on.strftime("%d %m %Y"), "value": "31%"})
    assert reply.status_code == 302
    after = next_reading()
    assert after == monitoring.add_months(read_on, 3)  # a quarter on from the reading
    printed = remind(app, "--dry-run", "--today", after.isoformat()).output
    assert f"- The next reading of “{name[:20]}" in printed
    assert "is due today" in printed
    assert f"  {BASE}{link}" in printed
