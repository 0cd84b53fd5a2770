"""Forms of staff administration: inviting a member of staff with roles, giving one more role.

Choices are parsed leniently (``int_or_none``) and checked by ``app.administration.staff_service``, so a district that does
not exist or a national role with a district is refused beside the field with the portal's own message.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, FieldList, FormField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length

from app.administration.staff_service import RoleInput
from app.kit.errors import Invalid
from app.kit.forms import EMAIL_INVALID, BaseForm, int_or_none
from app.kit.i18n import LANGUAGE_NAMES, ROLE_LABELS
from app.models import LANGUAGES, STAFF_ROLES

INVITE_ROWS = 3


def _choose(text):
    return [SelectChoice("", text)]


class RoleFields:
    """The three choices of a role: the role, its district (empty for a national role), a department."""

    def fill(self, districts, departments, tr) -> None:
        """Offer the roles, the active districts and their departments (grouped by district), in the current language."""
        self.role.choices = _choose(_l("Choose a role")) + [SelectChoice(role, ROLE_LABELS[role]) for role in STAFF_ROLES]
        self.district_id.choices = _choose(_l("None: a national role")) + [SelectChoice(d.id, tr(d)) for d in districts]
        names = {d.id: tr(d) for d in districts}
        self.department_id.choices = _choose(_l("None")) + [
            SelectChoice(department.id, f"{names[department.district_id]}: {tr(department)}")
            for department in sorted(departments, key=lambda dep: (names.get(dep.district_id, ""), tr(dep)))
            if department.district_id in names]

    def role_input(self) -> RoleInput:
        """The row as the service's input."""
        return RoleInput(role=self.role.data or None, district_id=self.district_id.data,
                         department_id=self.department_id.data)


def _role_field():
    return SelectField(_l("Role"), validate_choice=False)


def _district_field():
    return SelectField(_l("District"), coerce=int_or_none, validate_choice=False,
                       description=_l("For an official, head, editor or moderator; empty for a supervisor or an administrator."))


def _department_field():
    return SelectField(_l("Department (optional)"), coerce=int_or_none, validate_choice=False,
                       description=_l("A department of the chosen district."))


class RoleRowForm(BaseForm, RoleFields):
    """One role of the invitation (its CSRF token is the invitation's)."""

    class Meta:
        csrf = False

    role = _role_field()
    district_id = _district_field()
    department_id = _department_field()


class InviteForm(BaseForm):
    """An administrator invites a member of staff by email, with one or more roles."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            # The list of rows and each row take no filters (WTForms refuses them); the rows' own fields are stripped.
            if unbound_field.field_class in (FieldList, FormField):
                return unbound_field.bind(form=form, **options)
            return super().bind_field(form, unbound_field, options)

    full_name = StringField(_l("Full name"), validators=[
        DataRequired(_l("Enter the person's full name.")), Length(max=200, message=_l("Use at most %(max)d characters."))])
    email = EmailField(_l("Email"), validators=[
        DataRequired(_l("Enter the email address.")), Email(EMAIL_INVALID, check_deliverability=False),
        Length(max=254, message=_l("Use at most %(max)d characters."))],
        description=_l("The invitation goes to this address; it is also the person's sign-in name."))
    locale = SelectField(_l("Language of the invitation"), choices=[SelectChoice(c, LANGUAGE_NAMES[c]) for c in LANGUAGES],
                         default="az", validate_choice=False)
    roles = FieldList(FormField(RoleRowForm), min_entries=INVITE_ROWS, max_entries=INVITE_ROWS)
    submit = SubmitField(_l("Send the invitation"))

    def fill(self, districts, departments, tr) -> None:
        """Offer the choices in every role row."""
        for entry in self.roles:
            entry.form.fill(districts, departments, tr)

    def role_inputs(self) -> list[RoleInput]:
        """Every row, blank ones included (the service skips them and names rows by their position)."""
        return [entry.form.role_input() for entry in self.roles]

    def apply(self, error: Invalid) -> None:
        """Put messages keyed ``roles-<i>-<field>`` beside the row's field, the others as usual."""
        rest = {}
        for name, message in error.errors.items():
            parts = (name or "").split("-")
            if len(parts) == 3 and parts[0] == "roles" and parts[1].isdigit() and int(parts[1]) < len(self.roles.entries):
                target = self.roles.entries[int(parts[1])].form._fields.get(parts[2])
                if target is not None:
                    target.errors = [*target.errors, str(message)]
                    continue
            rest[name] = message
        super().apply(Invalid(rest))

    @property
    def all_errors(self) -> list[tuple[str | None, str]]:
        """Every error, the rows' included, for the error summary."""
        pairs: list[tuple[str | None, str]] = [(None, str(m)) for m in self.form_errors]
        for field in self:
            if field.name == "roles":
                for entry in field:
                    pairs.extend((sub.id, str(message)) for sub in entry.form for message in sub.errors)
            else:
                pairs.extend((field.id, str(message)) for message in field.errors)
        return pairs


class AddRoleForm(BaseForm, RoleFields):
    """An administrator gives a person one more role."""

    role = _role_field()
    district_id = _district_field()
    department_id = _department_field()
    submit = SubmitField(_l("Give the role"))


class UserActionForm(BaseForm):
    """A form with only a CSRF token and a button (remove a role, deactivate, reset the second factor)."""

    submit = SubmitField(_l("Continue"))
