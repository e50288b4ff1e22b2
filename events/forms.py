"""Forms for 对接会 pages: they validate input; events.services does the writing."""

from django import forms
from django.forms import formset_factory

from catalog.models import DemandList, IndustryChain
from events.models import AgendaItem, Event, MeetingOutcome

TIME_WIDGET = forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M")


def multiselect_attrs(placeholder):
    """A <select multiple> that static/js/multiselect.js turns into a searchable chip box."""
    return {"class": "form-select", "size": 8, "data-multiselect": "", "data-placeholder": placeholder}


class EventForm(forms.ModelForm):
    online_url = forms.URLField(
        label="线上会议链接",
        required=False,
        assume_scheme="https",
        widget=forms.URLInput(attrs={"class": "form-control"}),
    )
    chains = forms.ModelMultipleChoiceField(
        label="聚焦产业链",
        required=False,
        queryset=IndustryChain.objects.filter(parent__isnull=True),
        widget=forms.SelectMultiple(attrs=multiselect_attrs("输入产业链名称搜索，可多选")),
        help_text="本场对接会关注的产业链，可多选：用于向这些产业链的供给单位推荐邀约；不选则不限产业链。",
    )
    demand_lists = forms.ModelMultipleChoiceField(
        label="会前征集的需求清单",
        required=False,
        queryset=DemandList.objects.exclude(status=DemandList.Status.DRAFT).select_related("organization"),
        widget=forms.SelectMultiple(attrs=multiselect_attrs("输入清单或发布单位名称搜索，可多选")),
        help_text="会前向哪些已发布的需求清单征集对接，可多选：清单的发布单位作为需求方自动参会，清单中的需求用于精准邀约。",
    )

    class Meta:
        model = Event
        fields = [
            "name",
            "description",
            "date",
            "venue",
            "online_url",
            "status",
            "chains",
            "demand_lists",
            "slot_minutes",
            "table_count",
            "meeting_start",
            "meeting_end",
        ]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control"}),
            "description": forms.Textarea(attrs={"class": "form-control", "rows": 3}),
            "date": forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
            "venue": forms.TextInput(attrs={"class": "form-control"}),
            "status": forms.Select(attrs={"class": "form-select"}),
            "slot_minutes": forms.NumberInput(attrs={"class": "form-control"}),
            "table_count": forms.NumberInput(attrs={"class": "form-control"}),
            "meeting_start": TIME_WIDGET,
            "meeting_end": TIME_WIDGET,
        }
        help_texts = {
            "status": "新建的对接会默认为“筹备中”，仅对接专员可见；信息确认后改为“已发布”再对外公开。",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            # A new event starts as 筹备中 (draft): staff publish it once it is ready.
            self.fields["status"].initial = Event.Status.DRAFT


class AgendaItemForm(forms.Form):
    kind = forms.ChoiceField(
        label="环节类型", choices=AgendaItem.Kind.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    title = forms.CharField(label="议程内容", max_length=200, widget=forms.TextInput(attrs={"class": "form-control"}))
    starts_at = forms.TimeField(label="开始", widget=TIME_WIDGET)
    ends_at = forms.TimeField(label="结束", widget=TIME_WIDGET)
    speaker = forms.CharField(
        label="主讲/发布单位", max_length=120, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )

    def has_changed(self):
        # A browser always submits the <select>'s first option, so the kind alone does not make an
        # untouched extra row "filled in" (it would fail as required instead of being skipped).
        return bool(set(self.changed_data) - {"kind"})

    def clean(self):
        data = super().clean()
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "议程结束时间必须晚于开始时间。")
        return data


AgendaFormSet = formset_factory(AgendaItemForm, extra=2, can_delete=True)


def agenda_rows(formset):
    # Existing rows (the initial forms) are kept even when unchanged: the service rewrites the
    # whole agenda, so skipping them would delete them. Extra rows count only when filled in.
    initial = formset.initial_form_count()
    return [
        {k: f.cleaned_data[k] for k in ("kind", "title", "starts_at", "ends_at", "speaker")}
        for i, f in enumerate(formset.forms)
        if (i < initial or f.has_changed()) and f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class AttendeeForm(forms.Form):
    name = forms.CharField(
        label="姓名",
        max_length=50,
        error_messages={"required": "请填写参会人员姓名。"},
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "姓名"}),
    )
    title = forms.CharField(
        label="职务",
        max_length=50,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "职务"}),
    )
    phone = forms.CharField(
        label="手机",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "手机"}),
    )


class AvailabilityForm(forms.Form):
    available_from = forms.TimeField(label="可洽谈开始", widget=TIME_WIDGET)
    available_to = forms.TimeField(label="可洽谈结束", widget=TIME_WIDGET)


class MeetingRequestForm(forms.Form):
    target_org = forms.TypedChoiceField(
        label="洽谈对象", coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )
    note = forms.CharField(
        label="留言", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )

    def __init__(self, *args, targets=(), scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        scores = scores or {}
        self.fields["target_org"].choices = [
            (o.pk, f"{o.name}（匹配度 {scores[o.pk][0]}：{scores[o.pk][1]}）" if o.pk in scores else o.name)
            for o in targets
        ]


class OutcomeForm(forms.Form):
    rating = forms.TypedChoiceField(
        label="评分",
        coerce=int,
        choices=[(i, f"{i} 分") for i in range(5, 0, -1)],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    intent = forms.ChoiceField(
        label="合作意向", choices=MeetingOutcome.Intent.choices, widget=forms.Select(attrs={"class": "form-select"})
    )
    next_step = forms.CharField(
        label="下一步", max_length=200, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )
