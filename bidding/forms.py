"""Forms of the bidding pages: the bid itself and the owner's decision."""

from django import forms

from bidding.models import Bid
from bidding.services import (
    BID_SUPPLY_REFUSED,
    MAX_ATTACHMENTS_PER_BID,
    PROPOSAL_MAX_CHARS,
    attachment_limit_text,
    bid_supply_choices,
)
from catalog.models import Supply


class SupplyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.title}（{obj.get_supply_type_display()}）"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.docx,.xlsx,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class BidForm(forms.Form):
    proposal = forms.CharField(
        label="方案说明",
        max_length=PROPOSAL_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "请填写方案说明。", "max_length": f"方案说明最多 {PROPOSAL_MAX_CHARS} 字。"},
    )
    price_wan = forms.DecimalField(
        label="报价（万元）",
        min_value=0,
        max_digits=12,
        decimal_places=2,
        error_messages={
            "required": "请填写报价（万元）。",
            "invalid": "报价须为数字（单位：万元）。",
            "min_value": "报价（万元）不能为负数。",
        },
    )
    delivery_days = forms.IntegerField(
        label="交付周期（天）",
        min_value=1,
        max_value=3650,
        error_messages={
            "required": "请填写交付周期（天）。",
            "invalid": "交付周期须为整数天数。",
            "min_value": "交付周期应在 1 到 3650 天之间。",
            "max_value": "交付周期应在 1 到 3650 天之间。",
        },
    )
    supply = SupplyChoiceField(
        label="关联本单位供给",
        required=False,
        queryset=Supply.objects.none(),
        empty_label="不关联",
        error_messages={"invalid_choice": BID_SUPPLY_REFUSED},
        help_text="可选：选择本单位已发布的一项供给，发布单位查看意向书时可直接打开。",
    )
    attachments = MultipleFileField(label="附件", required=False)

    def __init__(self, *args, attachments=None, organization=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organization is not None:
            self.fields["supply"].queryset = bid_supply_choices(organization)
            if not self.fields["supply"].queryset.exists():
                self.fields["supply"].help_text = "本单位暂无已发布的供给；在供给菜单中发布后即可在此关联。"
        else:
            del self.fields["supply"]
        # Built per form: the limit comes from settings.ATTACHMENT_MAX_BYTES at request time.
        self.fields[
            "attachments"
        ].help_text = (
            f"可选，最多 {MAX_ATTACHMENTS_PER_BID} 个：PDF、DOCX、XLSX、PNG、JPEG，{attachment_limit_text()}。"
        )
        # Existing attachments a bidder may remove while editing.
        if attachments:
            self.fields["remove_attachments"] = forms.MultipleChoiceField(
                label="删除附件",
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(str(a.pk), a.original_name) for a in attachments],
            )
        for name, field in self.fields.items():
            if name == "supply":
                field.widget.attrs.setdefault("class", "form-select")
            elif name != "remove_attachments":
                field.widget.attrs.setdefault("class", "form-control")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="处理结果", choices=[("shortlist", "入围"), ("accept", "接受"), ("reject", "未采纳")]
    )
    reason = forms.ChoiceField(label="未采纳原因", required=False, choices=[("", "—")] + list(Bid.RejectReason.choices))
    note = forms.CharField(label="说明", required=False, max_length=500)
