"""Staff administration views, for administrators only (policy ``staff.manage``).

``/users`` every user with filters (role, district, active, last sign-in) and pages; ``/users/invite`` inviting
a member of staff; ``/users/<id>`` a person's account, roles and recent actions, with the steps an administrator
takes there (give or remove a role, deactivate or reactivate, reset the second factor, send the invitation again).
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.accounts import two_factor
from app.administration import audit_log, bp
from app.administration import staff_service as staff
from app.administration.staff_forms import AddRoleForm, InviteForm, UserActionForm
from app.authz import requires
from app.kit.errors import Invalid
from app.kit.forms import int_or_none
from app.kit.i18n import tr
from app.kit.paging import page_number
from app.kit.steps import form_status, run_step


def _filters() -> staff.UserFilters:
    args = request.args
    return staff.UserFilters(
        role=args.get("role") or None,
        district_id=int_or_none(args.get("district")),
        active=args.get("active") or None,
        signed_in=args.get("signed_in") or None,
        q=(args.get("q") or "")[:100] or None,
    )


@bp.get("/users")
@requires("staff.manage")
def users():
    """Every user, by name, with filters and pages."""
    filters = _filters()
    page = staff.user_list(current_user, filters, page_number(request.args.get("page")))
    args = {key: value for key, value in request.args.items() if key != "page" and value}
    return render_template("administration/users.html", page=page, filters=filters, args=args, districts=staff.districts())


def _invite_page(form: InviteForm, status: int = 200):
    form.fill(staff.districts(), staff.departments(), tr)
    return render_template("administration/invite.html", form=form), status


@bp.route("/users/invite", methods=["GET", "POST"])
@requires("staff.manage")
def invite():
    """Invite a member of staff by email with one or more roles."""
    form = InviteForm()
    if form.validate_on_submit():
        try:
            person = staff.invite(current_user, email=form.email.data, full_name=form.full_name.data,
                                  locale=form.locale.data, roles=form.role_inputs())
        except Invalid as error:
            form.apply(error)
        else:
            flash(_("The invitation is sent to %(email)s.", email=person.email), "success")
            return redirect(url_for("admin.user", user_id=person.id))
    elif request.method == "POST" and not form.csrf_token.errors:
        # The fields' own checks failed: say what is wrong with the roles too, all in one answer.
        form.apply(Invalid(staff.roles_problems(form.role_inputs())))
    return _invite_page(form, form_status())


def _user_page(user_id: int, role_form: AddRoleForm | None = None, action_form: UserActionForm | None = None,
               status: int = 200):
    view = staff.user_page(current_user, user_id)
    role_form = role_form or AddRoleForm(formdata=None)
    role_form.fill(staff.districts(), staff.departments(), tr)
    return render_template("administration/user.html", view=view, person=view.user, role_form=role_form,
                           action_form=action_form or UserActionForm(formdata=None),
                           pending=staff.is_pending(view.user),
                           two_factor_required=two_factor.is_required(view.user),
                           audit_summary=audit_log.summary), status


@bp.get("/users/<int:user_id>")
@requires("staff.manage")
def user(user_id: int):
    """A person's account, roles and recent actions."""
    return _user_page(user_id)


def _step(user_id: int, action, success: str):
    """Run a one-button step on a person's page; a refusal is shown on the page (422)."""
    form = UserActionForm()
    return run_step(form, action, success, url_for("admin.user", user_id=user_id),
                    lambda: _user_page(user_id, action_form=form, status=422), not_allowed=403)


@bp.post("/users/<int:user_id>/roles")
@requires("staff.manage")
def add_role(user_id: int):
    """Give the person one more role (from their next request)."""
    form = AddRoleForm()
    return run_step(form, lambda: staff.add_role(current_user, user_id, form.role_input()), _("The role is given."),
                    url_for("admin.user", user_id=user_id),
                    lambda: _user_page(user_id, role_form=form, status=422), not_allowed=403)


@bp.post("/users/<int:user_id>/roles/<int:role_id>/remove")
@requires("staff.manage")
def remove_role(user_id: int, role_id: int):
    """Take one role away (from the person's next request)."""
    return _step(user_id, lambda: staff.remove_role(current_user, user_id, role_id), _("The role is removed."))


@bp.post("/users/<int:user_id>/deactivate")
@requires("staff.manage")
def deactivate(user_id: int):
    """Deactivate the account: every open session of the person ends at its next request."""
    return _step(user_id, lambda: staff.set_active(current_user, user_id, False),
                 _("The account is deactivated; the person is signed out everywhere."))


@bp.post("/users/<int:user_id>/activate")
@requires("staff.manage")
def activate(user_id: int):
    """Reactivate the account."""
    return _step(user_id, lambda: staff.set_active(current_user, user_id, True), _("The account is active again."))


@bp.post("/users/<int:user_id>/two-factor/reset")
@requires("staff.manage")
def reset_two_factor(user_id: int):
    """Reset the person's second factor (a lost phone): they set it up again at their next sign-in."""

    def action():
        two_factor.reset(current_user, staff.get_user(current_user, user_id))

    return _step(user_id, action, _("Two-factor sign-in is reset; the person sets it up again at the next sign-in."))


@bp.post("/users/<int:user_id>/invitation")
@requires("staff.manage")
def resend_invitation(user_id: int):
    """Send the invitation again to a person who has not accepted it yet."""
    return _step(user_id, lambda: staff.resend_invitation(current_user, user_id), _("The invitation is sent again."))
