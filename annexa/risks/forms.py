"""Forms of the risk, methodology and asset pages. They collect input; the services decide
(``annexa.risks.services``), and their refusals are shown on these forms.

Several forms share the risk page, so each has its own ids (``auto_id``): a label always
points at the field of its own form.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.core.validators import RegexValidator
from django.utils.text import slugify

from annexa.isms.forms import MemberChoiceField, VersionField, members_of
from annexa.orgs.choices import Role
from annexa.risks.choices import ActionStatus, AssetKind, TreatmentOption
from annexa.risks.models import Asset, Methodology, Risk

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
NOT_ASSESSED = "— not assessed —"


def scale_choices(methodology: Methodology, scale: str) -> list[tuple[str, str]]:
    """The levels of the ``likelihood`` or ``impact`` scale as choices: "3 · Possible"."""
    return [("", NOT_ASSESSED)] + [
        (str(level["value"]), f"{level['value']} · {level['label']}")
        for level in getattr(methodology, scale)
    ]


def scale_field(methodology: Methodology, name: str, label: str) -> forms.TypedChoiceField:
    scale = name.rsplit("_", 1)[1]
    return forms.TypedChoiceField(
        choices=scale_choices(methodology, scale),
        coerce=int,
        empty_value=None,
        required=False,
        label=label,
    )


def reason_field(label: str = "Why (recorded in the history; optional)") -> forms.CharField:
    return forms.CharField(
        max_length=2000, required=False, label=label, widget=forms.Textarea(attrs={"rows": 2})
    )


class _RiskPartForm(forms.Form):
    """One part of a risk changed on its page: its fields (``scales``: the likelihood and
    impact ones, labelled from the methodology), the version the page showed (a stale one is
    refused) and why it changes."""

    prefix_id = ""
    scales: tuple[str, ...] = ()
    version = VersionField()
    reason = reason_field()

    def __init__(self, *args, risk: Risk, methodology: Methodology, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"{self.prefix_id}-%s")
        super().__init__(*args, **kwargs)
        self.risk, self.methodology = risk, methodology
        for name in self.scales:
            self.fields[name] = scale_field(methodology, name, name.split("_")[1].capitalize())
        self.order_fields([*self.scales])
        if not self.is_bound:
            self.initial["version"] = risk.version
            for name in self.changed_fields():
                self.initial[name] = self.initial_value(name)

    def changed_fields(self) -> tuple[str, ...]:
        return tuple(n for n in self.fields if n not in ("version", "reason"))

    def initial_value(self, name: str):
        return getattr(self.risk, name)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.changed_fields()}


class InherentForm(_RiskPartForm):
    """The inherent risk: likelihood and impact with the existing controls (6.1.2 d)."""

    prefix_id = "inherent"
    scales = ("inherent_likelihood", "inherent_impact")


class ResidualForm(_RiskPartForm):
    """The residual risk: likelihood and impact once the treatment is in place."""

    prefix_id = "residual"
    scales = ("residual_likelihood", "residual_impact")


@dataclass
class ControlOption:
    value: str
    label: str
    checked: bool
    soa: str  # applicable, excluded, undecided
    soa_label: str

    @property
    def badge(self) -> str:
        return f"soa-{self.soa}"


@dataclass
class ControlGroup:
    title: str
    options: list[ControlOption] = field(default_factory=list)

    @property
    def selected(self) -> int:
        return sum(o.checked for o in self.options)


def soa_state(entry) -> tuple[str, str]:
    """What the SoA says of a control, as ``services.soa`` reads it: (state, label)."""
    if entry is not None and entry.applicable:
        return "applicable", f"Applicable · {entry.get_status_display()}"
    if entry is not None and entry.justification.strip():
        return "excluded", "Not applicable in the SoA"
    return "undecided", "Not decided in the SoA"


class TreatmentForm(_RiskPartForm):
    """The treatment option, the plan and the Annex A controls chosen (6.1.3 b)."""

    prefix_id = "treatment"
    treatment = forms.ChoiceField(
        choices=[("", "— not chosen yet —"), *TreatmentOption.choices],
        required=False,
        label="Treatment option",
    )
    treatment_plan = forms.CharField(
        required=False,
        label="Treatment plan",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What will be done, by whom, and how it lowers the risk.",
    )
    controls = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, label="Annex A controls"
    )

    def __init__(self, *args, **kwargs) -> None:
        from annexa.catalog.models import Control

        super().__init__(*args, **kwargs)
        self.catalog = list(Control.objects.order_by("sort_key"))
        self.fields["controls"].choices = [(c.id, f"{c.id} {c.title}") for c in self.catalog]

    def initial_value(self, name: str):
        if name == "controls":
            return [c.id for c in self.risk.controls.all()]
        return super().initial_value(name)

    def picker(self) -> list[ControlGroup]:
        """The controls by Annex A theme, ticked as submitted or as the risk has them, each with
        what the organization's SoA says of it."""
        from annexa.catalog.choices import Theme
        from annexa.isms.models import SoAEntry

        chosen = set(self["controls"].value() or [])
        entries = {e.control_id: e for e in SoAEntry.objects.for_org(self.risk.organization)}
        groups = {theme.value: ControlGroup(f"{theme.label} controls") for theme in Theme}
        for control in self.catalog:
            state, label = soa_state(entries.get(control.id))
            groups[control.theme].options.append(
                ControlOption(
                    control.id, f"{control.id} {control.title}", control.id in chosen, state, label
                )
            )
        return [g for g in groups.values() if g.options]


class AcceptForm(forms.Form):
    """The risk owner accepts the residual risk; above the threshold, saying why."""

    version = VersionField()
    reason = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why the residual risk is acceptable",
    )

    def __init__(self, *args, risk: Risk, above: bool, **kwargs) -> None:
        kwargs.setdefault("auto_id", "accept-%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = risk.version
        if above:
            self.fields[
                "reason"
            ].label = "Why the residual risk is acceptable (required: it is above the threshold)"
            self.fields["reason"].widget.attrs["required"] = True


class CloseForm(forms.Form):
    version = VersionField()
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why the risk no longer applies",
        error_messages={"required": "Say why the risk no longer applies."},
    )

    def __init__(self, *args, risk: Risk, **kwargs) -> None:
        kwargs.setdefault("auto_id", "close-%s")
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial["version"] = risk.version


class RiskForm(forms.Form):
    """A risk's description: title, scenario, assets, owner, existing controls, review date.
    Creating one may assess its inherent risk at once; editing one says why."""

    title = forms.CharField(max_length=200)
    threat = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text="Who or what acts."
    )
    vulnerability = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The weakness the threat exploits.",
    )
    consequence = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="What happens to confidentiality, integrity or availability.",
    )
    assets = forms.ModelMultipleChoiceField(
        queryset=Asset.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    owner = MemberChoiceField(queryset=None, label="Risk owner", empty_label="— choose —")
    existing_controls = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Existing controls",
        help_text="What already reduces the risk; the inherent risk is judged with them.",
    )
    review_date = forms.DateField(
        required=False,
        widget=DATE,
        label="Next review",
        help_text="Blank: the methodology's review period from the last assessment.",
    )
    version = VersionField()
    reason = reason_field("Why it changes (recorded in the history; optional)")

    def __init__(self, *args, org, methodology: Methodology, risk: Risk | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.risk = risk
        self.fields["owner"].queryset = members_of(org)
        assets = Asset.objects.for_org(org).filter(retired=False)
        if risk is not None:
            assets = assets | Asset.objects.for_org(org).filter(risks=risk)
        self.fields["assets"].queryset = assets.distinct().order_by("number")
        if risk is None:
            del self.fields["version"], self.fields["reason"]
            self.fields["inherent_likelihood"] = scale_field(
                methodology, "inherent_likelihood", "Inherent likelihood (optional)"
            )
            self.fields["inherent_impact"] = scale_field(
                methodology, "inherent_impact", "Inherent impact (optional)"
            )
        elif not self.is_bound:
            self.initial.update(
                {name: getattr(risk, name) for name in self.FIELDS if name != "assets"},
                assets=list(risk.assets.all()),
                version=risk.version,
            )

    FIELDS = (
        "title",
        "threat",
        "vulnerability",
        "consequence",
        "assets",
        "owner",
        "existing_controls",
        "review_date",
    )

    def values(self) -> dict[str, Any]:
        names = [n for n in self.fields if n not in ("version", "reason")]
        return {name: self.cleaned_data[name] for name in names}


class ActionForm(forms.Form):
    """A tracked action of the treatment plan."""

    title = forms.CharField(max_length=200)
    owner = MemberChoiceField(queryset=None, empty_label="— choose —")
    due_date = forms.DateField(widget=DATE, label="Due date")
    control = forms.ChoiceField(required=False, label="Implements control")
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, risk: Risk, **kwargs) -> None:
        kwargs.setdefault("auto_id", "action-%s")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(risk.organization)
        self.fields["control"].choices = [("", "— none —")] + [
            (c.id, f"{c.id} {c.title}") for c in risk.controls.order_by("sort_key")
        ]

    def values(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class ActionStatusForm(forms.Form):
    """Where one treatment action stands."""

    status = forms.ChoiceField(choices=ActionStatus.choices)

    def __init__(self, *args, action, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"action-{action.pk}-%s")
        kwargs.setdefault("initial", {"status": action.status})
        super().__init__(*args, **kwargs)


# --- methodology ---------------------------------------------------------------------------

COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", "A colour is written #rrggbb.")
ROLE_CHOICES = list(Role.choices)
SCALES = (("likelihood", "Likelihood"), ("impact", "Impact"))


class MethodologyForm(forms.Form):
    """A new version of the methodology, over the current one: the scales' labels and
    descriptions, every cell of the matrix, the bands (a blank last row adds one), the
    acceptance threshold, the review period, and why it changes."""

    based_on = VersionField()
    acceptance_threshold = forms.IntegerField(
        min_value=0,
        label="Acceptance threshold",
        help_text="A residual score above it is above the risk acceptance criteria.",
    )
    review_months = forms.IntegerField(min_value=1, max_value=60, label="Reassess every (months)")
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        label="Why the methodology changes (recorded)",
        error_messages={"required": "Say why the methodology changes (it is recorded)."},
    )

    def __init__(self, *args, methodology: Methodology, **kwargs) -> None:
        kwargs.setdefault("auto_id", "m-%s")
        super().__init__(*args, **kwargs)
        self.methodology = methodology
        initial: dict[str, Any] = {
            "based_on": methodology.version,
            "acceptance_threshold": methodology.acceptance_threshold,
            "review_months": methodology.review_months,
        }
        for scale, title in SCALES:
            for level in getattr(methodology, scale):
                value = level["value"]
                self.fields[f"{scale}_{value}_label"] = forms.CharField(
                    max_length=60, label=f"{title} {value}: label"
                )
                self.fields[f"{scale}_{value}_description"] = forms.CharField(
                    max_length=500, required=False, label=f"{title} {value}: description"
                )
                initial[f"{scale}_{value}_label"] = level.get("label", "")
                initial[f"{scale}_{value}_description"] = level.get("description", "")
        for lik in range(1, len(methodology.likelihood) + 1):
            for imp in range(1, len(methodology.impact) + 1):
                name = f"cell_{lik}_{imp}"
                self.fields[name] = forms.IntegerField(
                    min_value=1, label=f"Score for likelihood {lik} and impact {imp}"
                )
                initial[name] = methodology.score(lik, imp)
        for index, band in enumerate([*methodology.bands, None]):
            self._band_fields(index, band, initial)
        self.band_count = len(methodology.bands) + 1
        if not self.is_bound:
            self.initial.update(initial)

    def _band_fields(self, index: int, band: dict | None, initial: dict) -> None:
        new = band is None
        name = f"band_{index}"
        self.fields[f"{name}_label"] = forms.CharField(
            max_length=40, required=new, label="New band: label" if new else "Label"
        )
        self.fields[f"{name}_min"] = forms.IntegerField(min_value=1, required=new, label="From")
        self.fields[f"{name}_max"] = forms.IntegerField(min_value=1, required=new, label="To")
        self.fields[f"{name}_colour"] = forms.CharField(
            max_length=7,
            validators=[COLOUR],
            label="Colour",
            widget=forms.TextInput({"type": "color"}),
        )
        self.fields[f"{name}_roles"] = forms.MultipleChoiceField(
            choices=ROLE_CHOICES,
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label="May accept a residual risk at this level",
        )
        if new:
            for part in ("label", "min", "max"):
                self.fields[f"{name}_{part}"].required = False
            initial[f"{name}_colour"] = "#6a1b9a"
            return
        self.fields[f"{name}_remove"] = forms.BooleanField(required=False, label="Remove")
        initial.update(
            {
                f"{name}_label": band["label"],
                f"{name}_min": band["min"],
                f"{name}_max": band["max"],
                f"{name}_colour": band.get("colour", "#9aa3b2"),
                f"{name}_roles": band.get("accept_roles", []),
            }
        )

    # --- what the template draws --------------------------------------------------------

    def scale_rows(self, scale: str) -> list[tuple[int, Any, Any]]:
        rows = []
        for level in getattr(self.methodology, scale):
            value = level["value"]
            rows.append(
                (value, self[f"{scale}_{value}_label"], self[f"{scale}_{value}_description"])
            )
        return rows

    def matrix_rows(self) -> list[tuple[dict, list[tuple[Any, dict]]]]:
        """Rows of the matrix, highest likelihood first: (likelihood level, [(cell field, the
        current band of its score)])."""
        m = self.methodology
        rows = []
        for level in reversed(m.likelihood):
            lik = level["value"]
            cells = [
                (self[f"cell_{lik}_{imp}"], m.band(m.score(lik, imp)) or {})
                for imp in range(1, len(m.impact) + 1)
            ]
            rows.append((level, cells))
        return rows

    def band_rows(self) -> list[dict]:
        rows = []
        for index in range(self.band_count):
            name = f"band_{index}"
            rows.append(
                {
                    "fields": [
                        self[f"{name}_{part}"] for part in ("label", "min", "max", "colour")
                    ],
                    "roles": self[f"{name}_roles"],
                    "remove": self[f"{name}_remove"] if f"{name}_remove" in self.fields else None,
                }
            )
        return rows

    # --- what the service is given ------------------------------------------------------

    def changes(self) -> dict[str, Any]:
        data, m = self.cleaned_data, self.methodology
        changes: dict[str, Any] = {
            "acceptance_threshold": data["acceptance_threshold"],
            "review_months": data["review_months"],
        }
        for scale, _title in SCALES:
            changes[scale] = [
                {
                    "value": lv["value"],
                    "label": data[f"{scale}_{lv['value']}_label"].strip(),
                    "description": data[f"{scale}_{lv['value']}_description"].strip(),
                }
                for lv in getattr(m, scale)
            ]
        changes["matrix"] = [
            [data[f"cell_{lik}_{imp}"] for imp in range(1, len(m.impact) + 1)]
            for lik in range(1, len(m.likelihood) + 1)
        ]
        bands = []
        for index, band in enumerate([*m.bands, None]):
            name = f"band_{index}"
            if band is not None and data.get(f"{name}_remove"):
                continue
            label = (data.get(f"{name}_label") or "").strip()
            if band is None and not label:
                continue  # the blank row for a new band, left blank
            key = band["key"] if band is not None else slugify(label).replace("-", "_")
            bands.append(
                {
                    "key": key or f"band_{index + 1}",
                    "label": label,
                    "min": data.get(f"{name}_min"),
                    "max": data.get(f"{name}_max"),
                    "colour": data[f"{name}_colour"],
                    "accept_roles": list(data.get(f"{name}_roles") or []),
                }
            )
        changes["bands"] = sorted(bands, key=lambda b: (b["min"] is None, b["min"] or 0))
        return changes

    def clean(self):
        data = super().clean()
        index = self.band_count - 1
        label = (data.get(f"band_{index}_label") or "").strip()
        if label:
            for part, title in (("min", "From"), ("max", "To")):
                if data.get(f"band_{index}_{part}") is None:
                    self.add_error(f"band_{index}_{part}", f"{title}: give the new band's range.")
        return data


# --- assets --------------------------------------------------------------------------------

VALUE_CHOICES = [(str(v), str(v)) for v in range(1, 6)]


class AssetForm(forms.Form):
    """An entry of the asset inventory."""

    name = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=AssetKind.choices)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))
    owner = MemberChoiceField(queryset=None, required=False, empty_label="— no owner yet —")
    classification = forms.ChoiceField(required=False)
    value_c = forms.TypedChoiceField(
        choices=VALUE_CHOICES, coerce=int, initial="3", label="Confidentiality value (1–5)"
    )
    value_i = forms.TypedChoiceField(
        choices=VALUE_CHOICES, coerce=int, initial="3", label="Integrity value (1–5)"
    )
    value_a = forms.TypedChoiceField(
        choices=VALUE_CHOICES, coerce=int, initial="3", label="Availability value (1–5)"
    )
    location = forms.CharField(max_length=200, required=False)
    retired = forms.BooleanField(required=False, label="Retired (no longer in use)")
    version = VersionField()

    def __init__(self, *args, org, asset: Asset | None = None, **kwargs) -> None:
        from annexa.risks.services.assets import classifications

        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_of(org)
        self.fields["classification"].choices = [("", "— not classified —")] + [
            (c.name, c.name) for c in classifications(org)
        ]
        if asset is None:
            del self.fields["retired"], self.fields["version"]
        elif not self.is_bound:
            self.initial.update(
                {
                    name: getattr(asset, name)
                    for name in ("name", "kind", "description", "owner", "location", "retired")
                },
                classification=asset.classification.name if asset.classification_id else "",
                value_c=str(asset.value_c),
                value_i=str(asset.value_i),
                value_a=str(asset.value_a),
                version=asset.version,
            )

    def values(self) -> dict[str, Any]:
        return {k: v for k, v in self.cleaned_data.items() if k != "version"}
