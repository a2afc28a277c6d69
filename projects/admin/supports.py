"""What a source supports, edited by field name instead of by code.

A source's `supports` is stored as codes with notes ("total_investment; stage (续建：接下文)"): the
field names of its record, each with what the document says about it. The form shows it as rows
of a field picker (the fields' verbose names: 总投资, 项目阶段) and the note as written; it stores
the same text (projects.documents.split_supports / join_supports), so a form saved unchanged
changes nothing. A part that names no field keeps its text in the note of an unnamed row."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from projects.documents import join_supports, split_supports, supports_names

BLANK = ("", "---------")


class SupportsWidget(forms.MultiWidget):
    """Rows of (field picker, note); the value is the list of (code, note) pairs."""

    template_name = "admin/projects/source/supports_widget.html"

    def __init__(self, choices, rows, attrs=None):
        widgets = []
        for _row in range(rows):
            widgets.append(forms.Select(choices=choices, attrs={"class": "trk-supports-field",
                                                               "style": "max-width:10em"}))
            widgets.append(forms.TextInput(attrs={"class": "trk-supports-note", "size": 16,
                                                  "placeholder": _("note")}))
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if not value:
            return []
        if isinstance(value, str):
            value = split_supports(value, self.model)
        return [item for pair in value for item in pair]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        subwidgets = context["widget"]["subwidgets"]
        context["widget"]["rows"] = list(zip(subwidgets[::2], subwidgets[1::2]))
        return context


class SupportsField(forms.MultiValueField):
    """`supports` as rows of (field, note), cleaned to the stored text."""

    def __init__(self, *, model, rows, max_length=None, **kwargs):
        names = supports_names(model)
        choices = [BLANK, *names.items()]
        fields = []
        for _row in range(rows):
            fields += [forms.ChoiceField(choices=choices, required=False), forms.CharField(required=False)]
        widget = SupportsWidget(choices, rows)
        widget.model = model
        self.model, self.max_length = model, max_length
        kwargs.pop("widget", None)
        kwargs.pop("empty_value", None)
        super().__init__(fields, widget=widget, require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list):
        text = join_supports(zip(data_list[::2], data_list[1::2]))
        if self.max_length is not None and len(text) > self.max_length:
            raise ValidationError(_("At most %(max)s characters in all (now %(count)s).")
                                  % {"max": self.max_length, "count": len(text)})
        return text

    def prepare_value(self, value):
        return value


def rows_for(form, name="supports"):
    """How many rows the form shows: one per part of what the source supports now and one empty
    row; a bound form reads back as many rows as the page sent."""
    if form.is_bound:
        key = form.add_prefix(name)
        sent = 0
        while f"{key}_{2 * sent}" in form.data:
            sent += 1
        if sent:
            return sent
    stored = form.initial.get(name) or getattr(form.instance, name, "")
    return max(len(split_supports(stored, None)) + 1, 2)


def use_supports_field(form, model):
    """Replaces the form's raw `supports` box by the field picker rows for records of `model`."""
    raw = form.fields.get("supports")
    if raw is None or model is None:
        return
    form.fields["supports"] = SupportsField(model=model, rows=rows_for(form), label=raw.label,
                                            help_text=_("Pick each field the quote supports; the note says "
                                                        "what the document says about it."),
                                            max_length=getattr(raw, "max_length", None))
