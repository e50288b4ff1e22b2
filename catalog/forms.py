"""Forms of the catalog pages: they validate input; catalog.services does the writing."""

from django import forms
from django.utils import timezone

from accounts.models import Organization
from catalog.kinds import DEMAND, SUPPLY
from catalog.models import Demand, DemandList, IndustryChain, Supply, SupplyMenu
from catalog.services import DESCRIPTION_MAX
from catalog.validators import DESCRIPTION_HINTS, DESCRIPTION_MIN, description_error, normalize_phone, phone_error

SEALED_BIDDING_HINT = "需求已发布：报价方式（公开报价/密封报价）在征集开始时确定，不能再更改。"
SEALED_DEADLINE_HINT = "征集期间截止日期只能延后，不能提前或取消；延后会通知已提交意向书的单位。"


class BootstrapFormMixin:
    def _style(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class ChainField(forms.ModelChoiceField):
    def __init__(self, **kwargs):
        super().__init__(
            queryset=IndustryChain.objects.order_by("sort_order", "name"),
            label="产业链",
            empty_label="请选择产业链或环节",
            **kwargs,
        )

    def label_from_instance(self, obj):
        return f"　└ {obj.name}" if obj.parent_id else obj.name


def _description_field(label, required=True, help_text=None):
    return forms.CharField(
        label=label,
        required=required,
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=DESCRIPTION_MAX,
        error_messages={
            "max_length": f"{label}不能超过 {DESCRIPTION_MAX} 个字符（当前 %(show_value)d 个），请精简后再提交。"
        },
        help_text=help_text or f"不超过 {DESCRIPTION_MAX} 字",
    )


class OrganizationChoiceMixin:
    """Adds an `organization` choice when the user may act for several organisations."""

    def _set_organizations(self, organizations):
        organizations = list(organizations)
        self.fields["organization"] = forms.ModelChoiceField(
            label="发布单位",
            queryset=Organization.objects.filter(pk__in=[o.pk for o in organizations]),
            initial=organizations[0].pk if organizations else None,
        )
        if len(organizations) == 1:
            self.fields["organization"].widget = forms.HiddenInput()


class DemandListForm(BootstrapFormMixin, OrganizationChoiceMixin, forms.ModelForm):
    description = _description_field("清单说明", required=False)

    class Meta:
        model = DemandList
        fields = ["name", "year", "description"]

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organizations is not None:
            self._set_organizations(organizations)
        self.fields["year"].initial = self.fields["year"].initial or timezone.localdate().year
        self._style()


class SupplyMenuForm(DemandListForm):
    description = _description_field("菜单说明", required=False)

    class Meta:
        model = SupplyMenu
        fields = ["name", "year", "description"]


class _ItemForm(BootstrapFormMixin, forms.ModelForm):
    """需求/供给 form, written once over catalog.kinds; `containers` adds the list/menu choice."""

    kind = None
    region_example = ""
    chain = ChainField()
    region = forms.CharField(label="所在地区", required=False, max_length=60)

    def __init__(self, *args, containers=None, **kwargs):
        super().__init__(*args, **kwargs)
        kind = self.kind
        hint = DESCRIPTION_HINTS[kind.item_word]
        self.fields["description"] = _description_field(
            f"{kind.item_word}描述", help_text=f"{DESCRIPTION_MIN}～{DESCRIPTION_MAX} 字。{hint}。"
        )
        self.fields["contact_phone"].help_text = "手机号（11位）或带区号的固定电话，如 0537-2345678"
        self.fields["region"].help_text = f"如“{self.region_example}”；留空则使用{kind.columns['organization']}所在地区"
        if self.instance.pk:
            self.initial.setdefault("region", self.instance.region.full_name if self.instance.region_id else "")
        if containers is not None:
            self.fields[kind.list_fk] = forms.ModelChoiceField(
                label=f"所属{kind.list_word}", queryset=containers, empty_label=f"请选择{kind.list_word}"
            )
            self.order_fields([kind.list_fk])
        self._style()

    # The same rules as catalog.services.items_upsert (API, import): judged on new or changed values.
    def _unchanged(self, name, value):
        return self.instance.pk is not None and value == getattr(self.instance, name)

    def clean_contact_phone(self):
        value = self.cleaned_data["contact_phone"]
        if self._unchanged("contact_phone", value):
            return value
        message = phone_error(value)
        if message:
            raise forms.ValidationError(message)
        return normalize_phone(value)

    def clean_description(self):
        value = self.cleaned_data["description"]
        if not self._unchanged("description", value):
            message = description_error(value, self.kind.item_word)
            if message:
                raise forms.ValidationError(message)
        return value


class DemandForm(_ItemForm):
    kind = DEMAND
    region_example = "济宁市任城区"

    class Meta:
        model = Demand
        fields = list(DEMAND.fields)
        widgets = {"deadline": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.is_published:
            # Locked on publication for everyone (not on the first bid): the form reveals no bids.
            self.fields["is_open_bidding"].disabled = True
            self.fields["is_open_bidding"].help_text = SEALED_BIDDING_HINT
            self.fields["deadline"].help_text = SEALED_DEADLINE_HINT


class SupplyForm(_ItemForm):
    kind = SUPPLY
    region_example = "北京市海淀区"

    class Meta:
        model = Supply
        fields = list(SUPPLY.fields)
