"""Forms of the notification pages: preferences and subscriptions."""

from django import forms

from catalog.models import IndustryChain, Region
from notifications.models import Notification


class PreferenceForm(forms.Form):
    email_enabled = forms.BooleanField(label="接收邮件通知", required=False)
    email_kinds = forms.MultipleChoiceField(
        label="以下类别发送邮件",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=Notification.Kind.choices,
    )
    daily_digest = forms.BooleanField(
        label="订阅每日摘要（每天 8:00 汇总订阅提醒，订阅提醒不再逐条发邮件）",
        required=False,
    )


class SubscriptionForm(forms.Form):
    name = forms.CharField(label="订阅名称", max_length=60, error_messages={"required": "请填写订阅名称。"})
    chains = forms.ModelMultipleChoiceField(
        label="产业链（含其环节）",
        required=False,
        queryset=IndustryChain.objects.order_by("sort_order", "name"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    regions = forms.ModelMultipleChoiceField(
        label="地区（含下级地区）",
        required=False,
        queryset=Region.objects.exclude(level=Region.Level.DISTRICT).order_by("full_name"),
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    keywords = forms.CharField(
        label="关键词", required=False, max_length=200, help_text="多个关键词用空格或逗号分隔，如：协作机器人 碳化硅"
    )
    notify_matches = forms.BooleanField(
        label="新需求与本单位供给的匹配度达到阈值时也提醒", required=False, initial=True
    )
    min_score = forms.IntegerField(
        label="匹配度阈值（0–100）",
        min_value=0,
        max_value=100,
        initial=70,
        error_messages={"min_value": "匹配度阈值应在 0 到 100 之间。", "max_value": "匹配度阈值应在 0 到 100 之间。"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.SelectMultiple):
                field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")
