"""The chat's widgets: each shows state it is given and posts a message when the user acts."""

from tui.widgets.answer_card import AnswerCard
from tui.widgets.build_panel import BuildPanel
from tui.widgets.chat_log import ChatLog, TurnView
from tui.widgets.question_input import QuestionInput
from tui.widgets.status_bar import StatusBar

__all__ = ["AnswerCard", "BuildPanel", "ChatLog", "QuestionInput", "StatusBar", "TurnView"]
