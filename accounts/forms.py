"""Forms of the accounts pages: they parse input; accounts.services decides and writes."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts import services
from accounts.models import Membership, Organization


class BootstrapMixin:
    """Give widgets Bootstrap classes so templates can render fields with one include."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = (widget.attrs.get("class", "") + " " + css).strip()


class LoginForm(BootstrapMixin, AuthenticationForm):
    """Django's login form, in Chinese, authenticating through the login limiter."""

    username = forms.CharField(
        label="用户名", max_length=150, widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label="密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    error_messages = {
        "invalid_login": services.INVALID_LOGIN_MESSAGE,
        "inactive": "该账号已停用，请联系平台管理员。",
    }

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = services.login_authenticate(request=self.request, username=username, password=password)
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


def region_text_clean(text):
    """Check that 所在地区 text can be read (nothing is written until the service runs)."""
    text = (text or "").strip()
    if text:
        from catalog.regions import parse_region

        parse_region(text)  # raises a ValidationError that names the text
    return text


class OrganizationFieldsMixin(forms.Form):
    """The fields that describe a new organisation (shared by sign-up and 创建单位)."""

    org_name = forms.CharField(label="单位名称", max_length=120, required=False)
    org_kind = forms.ChoiceField(
        label="单位类型", choices=[("", "请选择")] + list(Organization.Kind.choices), required=False
    )
    org_region = forms.CharField(
        label="所在地区", max_length=60, required=False, help_text="写到市或区县，如“济宁市任城区”“北京市海淀区”。"
    )
    org_credit_code = forms.CharField(
        label="统一社会信用代码", max_length=30, required=False, help_text="选填，18 位，见营业执照。"
    )

    def clean_org_credit_code(self):
        return services.credit_code_validate(self.cleaned_data.get("org_credit_code"))

    def clean_org_region(self):
        return region_text_clean(self.cleaned_data.get("org_region"))

    def require_org_fields(self):
        """Called when the user chose to create an organisation."""
        for field, message in (
            ("org_name", "请填写单位名称。"),
            ("org_kind", "请选择单位类型。"),
            ("org_region", "请填写所在地区。"),
        ):
            if not self.cleaned_data.get(field) and field not in self.errors:
                self.add_error(field, message)
        name = (self.cleaned_data.get("org_name") or "").strip()
        if name and Organization.objects.filter(name=name).exists():
            self.add_error("org_name", f"单位「{name}」已在平台注册，请选择“申请加入已有单位”。")

    def org_kwargs(self):
        data = self.cleaned_data
        return {
            "name": data["org_name"],
            "kind": data["org_kind"],
            "region_text": data["org_region"],
            "credit_code": data.get("org_credit_code", ""),
        }


class JoinFieldMixin(forms.Form):
    join_org_name = forms.CharField(label="要加入的单位", max_length=120, required=False, help_text="请输入单位全称。")

    def require_join_org(self):
        from accounts.selectors import organization_by_name

        name = (self.cleaned_data.get("join_org_name") or "").strip()
        if not name:
            self.add_error("join_org_name", "请输入要加入的单位全称。")
            return None
        org = organization_by_name(name)
        if org is None:
            self.add_error("join_org_name", f"平台上没有名为「{name}」的单位：请核对全称，或选择“创建新单位”。")
        return org


# Service error keys → form fields, so a message lands next to the field it is about.
SERVICE_FIELD_MAP = {
    "username": "username",
    "display_name": "display_name",
    "email": "email",
    "phone": "phone",
    "password": "password1",
    "name": "org_name",
    "kind": "org_kind",
    "region": "org_region",
    "credit_code": "org_credit_code",
}


def add_service_errors(form, exc):
    """Put a service ValidationError on the form (field errors where we know the field)."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            field = SERVICE_FIELD_MAP.get(key)
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class SignupForm(BootstrapMixin, OrganizationFieldsMixin, JoinFieldMixin, forms.Form):
    ACTION_CREATE, ACTION_JOIN = "create", "join"

    username = forms.CharField(label="用户名", max_length=150, help_text="用于登录，字母、数字或 _ . @ + -。")
    display_name = forms.CharField(label="姓名", max_length=50)
    email = forms.EmailField(label="电子邮箱", error_messages={"invalid": "请输入有效的电子邮箱地址。"})
    phone = forms.CharField(label="手机", max_length=30, required=False)
    password1 = forms.CharField(
        label="密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 8 位，不能全是数字，不能与用户名过于相似。",
    )
    password2 = forms.CharField(
        label="确认密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    org_action = forms.ChoiceField(
        label="所在单位",
        widget=forms.RadioSelect,
        initial=ACTION_CREATE,
        choices=[(ACTION_CREATE, "创建新单位（我是该单位的管理员）"), (ACTION_JOIN, "申请加入已在平台注册的单位")],
        error_messages={"required": "请选择创建新单位或申请加入已有单位。"},
    )

    field_order = [
        "username",
        "display_name",
        "email",
        "phone",
        "password1",
        "password2",
        "org_action",
        "org_name",
        "org_kind",
        "org_region",
        "org_credit_code",
        "join_org_name",
    ]

    def clean_phone(self):
        return services.phone_validate(self.cleaned_data.get("phone"))

    def clean_username(self):
        from accounts.models import User

        username = self.cleaned_data["username"].strip()
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(f"用户名「{username}」已被注册，请换一个。")
        return username

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        self.join_organization = None
        action = data.get("org_action")
        if action == self.ACTION_CREATE:
            self.require_org_fields()
        elif action == self.ACTION_JOIN:
            self.join_organization = self.require_join_org()
        return data


class OrganizationCreateForm(BootstrapMixin, OrganizationFieldsMixin, forms.Form):
    def clean(self):
        data = super().clean()
        self.require_org_fields()
        return data


class OrganizationJoinForm(BootstrapMixin, JoinFieldMixin, forms.Form):
    def clean(self):
        data = super().clean()
        self.join_organization = self.require_join_org()
        return data


class OrganizationEditForm(BootstrapMixin, forms.Form):
    org_region = forms.CharField(label="所在地区", max_length=60)
    org_credit_code = forms.CharField(label="统一社会信用代码", max_length=30, required=False)
    description = forms.CharField(
        label="单位简介", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    website = forms.URLField(
        label="网址",
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "请输入以 http:// 或 https:// 开头的网址。"},
    )

    def clean_org_credit_code(self):
        return services.credit_code_validate(self.cleaned_data.get("org_credit_code"))

    def clean_org_region(self):
        return region_text_clean(self.cleaned_data.get("org_region"))


class MembershipRoleForm(BootstrapMixin, forms.Form):
    role = forms.ChoiceField(label="角色", choices=Membership.Role.choices)


class RejectForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(
        label="驳回原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "驳回时请填写原因，便于单位补充材料。"},
    )
