"""Staff forms for the 政策 and 平台 directories."""

from django import forms

from catalog.models import IndustryChain, Region
from reports.models import PlatformItem, PolicyItem


class _DirectoryForm(forms.ModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "chains" in self.fields:
            self.fields["chains"].queryset = IndustryChain.objects.filter(parent__isnull=True)
        if "region" in self.fields:
            self.fields["region"].queryset = Region.objects.exclude(level=Region.Level.DISTRICT)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple):
                continue
            widget.attrs["class"] = "form-select" if isinstance(widget, forms.Select) else "form-control"


class PolicyItemForm(_DirectoryForm):
    url = forms.URLField(label="原文链接", required=False, assume_scheme="https")

    class Meta:
        model = PolicyItem
        fields = ["title", "issuer", "region", "chains", "published_on", "url", "summary"]
        widgets = {
            "chains": forms.CheckboxSelectMultiple,
            "published_on": forms.DateInput(attrs={"type": "date"}),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }


class PlatformItemForm(_DirectoryForm):
    url = forms.URLField(label="网址", required=False, assume_scheme="https")

    class Meta:
        model = PlatformItem
        fields = ["name", "kind", "organization", "region", "chains", "url", "description"]
        widgets = {"chains": forms.CheckboxSelectMultiple, "description": forms.Textarea(attrs={"rows": 4})}
