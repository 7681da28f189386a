"""The terminal chat: the same dialogue as the bot, in plain text (or JSON lines) on stdin/stdout.

In a terminal it prompts, with line editing and history (readline); with stdin from a pipe or a
file it reads one message per line and prints one answer per message, as text or as JSON.
"""

from __future__ import annotations

import json
from typing import TextIO

from bot.answer import Answer, Answerer
from bot.dialogue import Dialogue
from bot.render import answer_json, context_json, render_answer, render_item


def help_text(answerer: Answerer) -> str:
    """What can be asked and typed, with the example questions of index/data/examples.txt."""
    examples = "\n".join(f"· {q}" for q in answerer.examples)
    return f"""可以直接提问，例如：
{examples}
也可以接着上一问追问：“那湛江呢？”“它什么时候完成？”“谁牵头？”“还有吗”“第二个”
命令：
/region 地区名   只看该地区的方案（/region all 取消；/region 列出地区）
/unit 单位名     该单位负责的全部条目
/item 文档 编号  一个条目的全文，如 /item {answerer.item_example}
/help  本说明    /quit  退出"""


class TerminalInput:
    """stdin read through input(), so a terminal user gets line editing and history (readline)."""

    def __init__(self, prompt: str) -> None:
        import readline  # noqa: F401 - importing it is what gives input() editing and history

        self.prompt = prompt

    def readline(self) -> str:
        """One line with its newline, '' at end of input (Ctrl-D)."""
        try:
            return input(self.prompt) + "\n"
        except EOFError:
            return ""


def run_chat(
    answerer: Answerer, stdin: TextIO | TerminalInput, stdout: TextIO, prompt: str = "问> ",
    *, as_json: bool = False, banner: bool = True,
) -> None:
    """Read messages and commands until end of input or /quit, answering each in one dialogue."""
    dialogue = Dialogue(answerer)
    if banner:
        stdout.write(f"政策问答 · 已收录 {len(answerer.engine.documents)} 份方案。输入 /help 查看用法。\n")
    while True:
        stdout.write(prompt)
        stdout.flush()
        line = stdin.readline()
        if not line:
            stdout.write("\n" if prompt else "")
            return
        text = line.strip()
        if text in ("/quit", "/exit"):
            return
        if not text:
            continue
        reply = _reply(dialogue, text)
        if as_json:
            stdout.write(json.dumps(chat_json(answerer, text, reply), ensure_ascii=False) + "\n")
        else:
            shown = render_answer(reply, answerer.engine.documents) if isinstance(reply, Answer) else reply
            stdout.write(shown + "\n\n")
        stdout.flush()


def chat_json(answerer: Answerer, text: str, reply: Answer | str) -> dict:
    """One JSON line: the fields of `ask --json` and the context, or a command's reply."""
    if isinstance(reply, str):
        return {"query": text, "reply": reply}
    return {**answer_json(reply, answerer.engine.documents), "context": context_json(reply)}


def _reply(dialogue: Dialogue, text: str) -> Answer | str:
    """The answer to a message, or the text a command replies with."""
    answerer = dialogue.answerer
    documents = answerer.engine.documents
    command, _, argument = text.partition(" ")
    argument = argument.strip()
    if not command.startswith("/"):
        return dialogue.reply(text)
    if command == "/help":
        return help_text(answerer)
    if command == "/region":
        return _region(dialogue, argument)
    if command == "/unit":
        return dialogue.unit(argument) if argument else "用法：/unit 单位名，如 /unit 市司法局"
    if command == "/item":
        doc, _, number = argument.partition(" ")
        item = dialogue.item(doc, number.strip())
        if item is None:
            return f"没有找到条目：{argument or '（空）'}。用法：/item 文档 编号，如 /item {answerer.item_example}"
        return render_item(item, documents[doc])
    return f"不认识的命令 {command}。输入 /help 查看用法。"


def _region(dialogue: Dialogue, argument: str) -> str:
    """Show, set or clear the chat's region."""
    regions = dialogue.answerer.regions()
    if not argument:
        current = f"当前地区：{dialogue.region}" if dialogue.region else "当前不限地区"
        return f"{current}。可选：{'、'.join(regions)}（/region all 不限）"
    match = dialogue.answerer.pick_region(argument)
    if match is None:
        return f"没有 {argument} 的方案。可选：{'、'.join(regions)}"
    dialogue.set_region(match)
    return f"已选定地区：{match}。之后的问题只看该地区的方案。" if match else "已取消地区限制。"
