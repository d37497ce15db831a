"""The app's screens: the chat, a document open at an answer, the keys."""

from tui.screens.chat import ChatScreen
from tui.screens.help import HelpScreen
from tui.screens.source import SourceScreen, locate

__all__ = ["ChatScreen", "HelpScreen", "SourceScreen", "locate"]
