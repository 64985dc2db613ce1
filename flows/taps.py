"""What a tap on an answer button was, as the client saw it: the button's label and the
question it answered, from the postback data the flows put on their buttons."""

from __future__ import annotations

from flows.model import LANGUAGE_ID, SKIP_ID, FlowSet, parse_choice_data


def describe_tap(flows: FlowSet, data: str, language: str = "ja") -> tuple[str, str] | None:
    """(label, question) of a button the flows made; None for data we never made (a flow
    edited since, a forged postback): staff then see the data itself."""
    parsed = parse_choice_data(data)
    if parsed is None:
        return None
    step = flows.get_step(parsed[0], parsed[1])
    if step is None or step.question is None:
        return None
    question = step.question.get(language)
    choice_id = parsed[2]
    if choice_id == SKIP_ID:
        label = step.skip_label or flows.common.texts["skip_label"]
        return label.get(language), question
    if choice_id == LANGUAGE_ID:
        return flows.common.language_label.get(language), question
    for choice in step.choices:
        if choice.id == choice_id:
            return choice.label.get(language), question
    return None
