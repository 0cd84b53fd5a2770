"""The queue's forms: taking a ticket, the kiosk's button, the desk's steps, and managing services and desks.

Choices are parsed leniently (``int_or_none``) and checked by the use cases, so a refusal comes with the portal's
own message beside its field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.validators import Optional

from app.kit.forms import BaseForm


class LenientRadio(RadioField):
    """A radio group whose value the use case checks (no WTForms "Not a valid choice")."""

    def pre_validate(self, form) -> None:
        pass


class LenientSelect(SelectField):
    """A select whose value the use case checks."""

    def pre_validate(self, form) -> None:
        pass


class TakeTicketForm(BaseForm):
    """A resident takes an online ticket: the service, the day and a window of that day."""

    service = LenientRadio(_l("Service"), coerce=str, validate_choice=False)
    day = StringField(_l("Day"), description=_l("For example 2026-12-15."))
    window = LenientRadio(_l("Time"), coerce=str, validate_choice=False)
    submit = SubmitField(_l("Take a ticket"))


class KioskForm(BaseForm):
    """The kiosk's big button for one service."""

    service = HiddenField()


class DeskForm(BaseForm):
    """A step at the desk on the ticket it has called (served, no-show, recall, redirect to another desk)."""

    ticket = HiddenField()
    desk = LenientSelect(_l("Send to desk"), coerce=str, validate_choice=False, validators=[Optional()])


class QueueServiceForm(BaseForm):
    """A queue service of the district's front desk."""

    title_az = StringField(_l("Title in Azerbaijani"))
    title_ru = StringField(_l("Title in Russian"), description=_l("Optional."))
    title_en = StringField(_l("Title in English"), description=_l("Optional."))
    letter = StringField(_l("Ticket letter"), description=_l("One or two Latin letters shown before the number, "
                                                             "for example A."))
    kind = LenientRadio(_l("Kind"), coerce=str, validate_choice=False)
    eservice_id = LenientSelect(_l("E-service given at the desk"), coerce=str, validate_choice=False)
    minutes = StringField(_l("Usual minutes per resident"))
    opens = StringField(_l("Opens at"), description=_l("HH:MM, Baku time."))
    closes = StringField(_l("Closes at"), description=_l("HH:MM, Baku time."))
    window_minutes = StringField(_l("Window length in minutes"))
    window_capacity = StringField(_l("Online tickets per window"))
    active = BooleanField(_l("Residents can take tickets for this service"), default=True)
    submit = SubmitField(_l("Save"))


class QueueDeskForm(BaseForm):
    """A desk of the district's front desk and the services it takes."""

    number = StringField(_l("Desk number"))
    services = SelectMultipleField(_l("Services the desk takes"), coerce=str, validate_choice=False)
    active = BooleanField(_l("The desk is in use"), default=True)
    submit = SubmitField(_l("Save"))
