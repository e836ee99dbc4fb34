"""Routes for what a person hears of away from the site: whether they get the email digest,
and their calendar feed of review and action dates, behind a secret link they can revoke.

The feed is the one page here that needs no sign-in (calendar apps cannot sign in): only
the secret in its URL opens it, and only the SHA-256 of that secret is stored.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, url_for

from hiat import forms, ical, store, upcoming
from hiat.access import account, banks, log
from hiat.links import link_maker

bp = Blueprint("notifications", __name__)


def _page(form: forms.NotificationsForm, new_link: str | None = None, status: int = 200):
    me = account()
    return render_template(
        "notifications/settings.html",
        form=form,
        feed_since=store.calendar_feed_since(store.get_db(), me.id),
        new_link=new_link,
    ), status


@bp.route("/account/notifications", methods=["GET", "POST"])
def settings():
    me = account()
    form = forms.NotificationsForm()
    if form.validate_on_submit():
        wanted = form.digest.data == "yes"
        store.set_digest(store.get_db(), me.id, wanted)
        log("digest turned " + ("on" if wanted else "off"), me.email, me.organisation_id)
        flash(
            "You will get an email digest when something is overdue or due soon."
            if wanted
            else "You will not get the email digest. You can turn it on again here.",
            "success",
        )
        return redirect(url_for("notifications.settings"))
    if not form.is_submitted():
        form.digest.data = "yes" if store.wants_digest(store.get_db(), me.id) else "no"
    return _page(form)


@bp.post("/account/notifications/calendar")
def new_calendar():
    """A new secret link, shown this once; any earlier link stops working."""
    me = account()
    token = store.new_calendar_feed(store.get_db(), me.id)
    log("calendar link made", me.email, me.organisation_id)
    form = forms.NotificationsForm(formdata=None)
    form.digest.data = "yes" if store.wants_digest(store.get_db(), me.id) else "no"
    return _page(form, new_link=link_maker(current_app)("notifications.calendar_feed", token=token))


@bp.post("/account/notifications/calendar/revoke")
def revoke_calendar():
    me = account()
    store.revoke_calendar_feed(store.get_db(), me.id)
    log("calendar link stopped", me.email, me.organisation_id)
    flash(
        "Your calendar link has stopped working. Calendars that used it get nothing more.",
        "success",
    )
    return redirect(url_for("notifications.settings"))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    db = store.get_db()
    person = store.calendar_feed_user(db, token)
    if person is None:
        abort(404)
    reminders = upcoming.for_person(db, banks(), person, link_maker(current_app))
    body = ical.feed(reminders, dt.datetime.now(dt.UTC), person.name)
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="hiat.ics"'
    return response
