"""Forms of the resource directories (one form builder over the descriptors) and the evaluations."""

from django import forms

from accounts.models import Organization
from catalog.models import DemandType, IndustryChain, Region
from reports.directories import ORG_KIND_CHOICES
from reports.models import Stage


def _style(form):
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, (forms.CheckboxSelectMultiple, forms.CheckboxInput)):
            continue
        widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"


class _DirectoryForm(forms.ModelForm):
    def __init__(self, *args, show_organization=False, **kwargs):
        super().__init__(*args, **kwargs)
        chains = IndustryChain.objects.select_related("parent").order_by("sort_order", "name")
        if "chain" in self.fields:
            self.fields["chain"].queryset = chains
            self.fields["chain"].label_from_instance = (
                lambda c: f"{c.parent.name} · {c.name}" if c.parent_id else c.name
            )
        if "chains" in self.fields:
            self.fields["chains"].queryset = chains
            self.fields["chains"].label_from_instance = (
                lambda c: f"{c.parent.name} · {c.name}" if c.parent_id else c.name
            )
            self.fields["chains"].widget.attrs["size"] = 10
        if "region" in self.fields:
            self.fields["region"].queryset = Region.objects.order_by("full_name")
            self.fields["region"].label_from_instance = lambda r: r.full_name
        if "organization" in self.fields:
            if show_organization:
                self.fields["organization"].queryset = Organization.objects.order_by("name")
            else:
                del self.fields["organization"]
        _style(self)


def directory_form_class(directory):
    fields = [c.field for c in directory.columns]
    extra = {}
    if directory.key == "investor":
        extra["stages"] = forms.MultipleChoiceField(
            label="投资阶段", choices=Stage.choices, required=False, widget=forms.CheckboxSelectMultiple
        )
    if directory.key == "policy":
        extra["org_kinds"] = forms.MultipleChoiceField(
            label="适用单位类型", choices=ORG_KIND_CHOICES, required=False, widget=forms.CheckboxSelectMultiple
        )
        extra["project_kinds"] = forms.MultipleChoiceField(
            label="适用项目类型", choices=DemandType.choices, required=False, widget=forms.CheckboxSelectMultiple
        )
    if "url" in fields:
        label = directory.model._meta.get_field("url").verbose_name
        extra["url"] = forms.URLField(label=label, required=False, assume_scheme="https")
    widgets = {}
    for c in directory.columns:
        if c.parse == "date":
            widgets[c.field] = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        elif c.parse == "text" and c.max_length >= 1000:
            widgets[c.field] = forms.Textarea(attrs={"rows": 3})
    meta = type("Meta", (), {"model": directory.model, "fields": fields, "widgets": widgets})
    return type(f"{directory.model.__name__}Form", (_DirectoryForm,), {"Meta": meta, **extra})


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 或 CSV 文件")


class WeightsForm(forms.Form):
    note = forms.CharField(label="调整说明", max_length=200, required=False)

    def __init__(self, *args, indicators, weights, **kwargs):
        super().__init__(*args, **kwargs)
        for ind in indicators:
            self.fields[f"w_{ind.key}"] = forms.FloatField(
                label=ind.label, min_value=0, max_value=100, initial=weights[ind.key]
            )
        _style(self)


class ReviewForm(forms.Form):
    note = forms.CharField(label="评审意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, indicators, **kwargs):
        super().__init__(*args, **kwargs)
        for ind in indicators:
            self.fields[f"s_{ind.key}"] = forms.IntegerField(
                label=ind.label, min_value=0, max_value=100, required=False
            )
        _style(self)
