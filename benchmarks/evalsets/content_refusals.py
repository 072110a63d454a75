"""DP407 set: answers that are refusal boilerplate, against answers that only sound like one.

Why: distilled and red-team data (HH-RLHF, OASST, ShareGPT, LLaMA-Factory's Alpaca/DPO/KTO/glaive demos) hold
real refusals and real "As an AI language model" disclaimers; the same corpora hold the look-alikes a phrase
list trips on: sympathy ("I'm sorry to hear that"), an apology followed by the corrected answer, "I can't
stress enough", a partial decline that then helps, prose about language models. Every candidate (an answer
matching `_CANDIDATE`, a wider net than the detector) gets a first label from `first_label` (this module's
own reading rules, not the detector) and was then read; `OVERRIDES` holds the labels changed after reading.

Decisions: positive when the answer declines the request in stock words (an apology or "I can't/won't"
followed by no help, only an offer or a pointer elsewhere), or carries the "As an AI (language model), I
don't/can't…" self-disclaimer that cleanup lists of distilled data remove, whether help follows or not.
Negative when the answer does what was asked: it may apologise for an error, decline one part and help with
the rest, hedge, ask for the missing input, or speak of itself as an AI without disclaiming anything ("As an
AI assistant, I'd be happy to help"). 20 planted negatives cover what the corpora lack: "I cannot stress
enough", refusals quoted to analyse, translate or write them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import junk_sources as src
from junk_items import ItemSet

_CANDIDATE = re.compile(r"(?i)as an ai\b|language model|I'?m sorry|I am sorry|I apologi[sz]e|I can(?:['\u2019]|no)t|"
                        r"I am unable|I'?m unable|I'?m not able|I won'?t|I will not|not comfortable|"
                        r"cannot (?:help|assist|provide)|unfortunately")
_DISCLAIMER = re.compile(r"(?i)\bas an ai(?: language model| assistant| model| chatbot)?\b(?! (?:researcher|engineer|"
                         r"developer|expert|company|startup))")
_DECLINE = re.compile(r"(?i)^[^\n]{0,80}?\b(?:sorry|apologi[sz]e|unfortunately)\b[^\n.]{0,80}?\b"
                      r"(?:can['\u2019]?t|cannot|unable|not able|won['\u2019]?t|will not|"
                      r"not (?:going|comfortable|allowed|programmed)|"
                      r"don'?t (?:have (?:the )?(?:ability|capability|access)|think I (?:can|should))|do not have)")
_FLAT = re.compile(r"(?i)^\W*I (?:can(?:['\u2019]|no)t|won['\u2019]t|will not|am not able to|am unable to|"
                   r"'m unable to) (?:help|assist|provide|do|answer|share|give|tell|support|engage|write|create|"
                   r"generate|comply)")
_SYMPATHY = re.compile(r"(?i)\bsorry (?:to hear|for your loss|you['\u2019]re|that you|about (?:that|your))")
_CORRECTION = re.compile(r"(?i)\bapologi[sz]e for (?:the|any|my) (?:confusion|error|mistake|oversight|misunderstanding)"
                         r"|\bsorry (?:for|about) (?:the|my) (?:confusion|error|mistake|misunderstanding)")
_EMPHASIS = re.compile(r"(?i)\bcan(?:no|'|\u2019)t (?:stress|emphasi[sz]e|recommend|thank|overstate)\b[^.]{0,40}enough")


def first_label(text: str) -> tuple[bool, str]:
    """The label a reader gives on first sight, with its reason; `OVERRIDES` corrects it after reading."""
    if _DISCLAIMER.search(text):
        return True, "the 'As an AI…' self-disclaimer of distilled data"
    if _DECLINE.search(text[:300]) or _FLAT.search(text):
        return True, "declines the request in stock words (apology or 'I can't…') instead of answering"
    if _SYMPATHY.search(text):
        return False, "'I'm sorry' as sympathy, then the answer goes on"
    if _CORRECTION.search(text):
        return False, "apologises for an earlier error, then gives the corrected answer"
    if _EMPHASIS.search(text):
        return False, "'I can't stress enough' is emphasis, not a refusal"
    if re.search(r"(?i)language model", text):
        return False, "discusses language models; no refusal"
    return False, "the refusal-like phrase is incidental; the answer does what was asked"


def hh_all_answers(corpora: Path) -> Iterator[tuple[str, str]]:
    """Every assistant turn of HH-RLHF harmless-base test, chosen and rejected sides, in file order."""
    path = corpora / "hh-rlhf-harmless-test" / "harmless-base-test.jsonl"
    with open(path, encoding="utf-8") as handle:
        for line, raw in enumerate(handle, 1):
            record = json.loads(raw)
            for side in ("chosen", "rejected"):
                parts = re.split(r"\n\n(Human|Assistant): ", record[side])[1:]
                for k in range(0, len(parts) - 1, 2):
                    if parts[k] == "Assistant":
                        yield f"corpus:hh-rlhf-harmless-test/harmless-base-test.jsonl:{line}", parts[k + 1].strip()


def candidates(corpora: Path, llama_factory: Path, codegen: Path) -> Iterator[tuple[str, str]]:
    """(source, answer) of every real answer that matches the wide net, each text once, in a fixed order."""
    yield from src.oasst_answers(corpora)
    yield from hh_all_answers(corpora)
    yield from src.gpteacher_answers(corpora)
    yield from src.sharegpt_answers(corpora)
    yield from src.lf_alpaca_answers(llama_factory)
    for name in ("glaive_toolcall_en_demo.json", "dpo_en_demo.json", "kto_en_demo.json"):
        yield from src.lf_sharegpt_answers(llama_factory, name)
    yield from src.codegen_answers(codegen)


_OA, _HH = "corpus:oasst-en100-trees/en_100_tree.jsonl:", "corpus:hh-rlhf-harmless-test/harmless-base-test.jsonl:"
_GT, _LF = "corpus:gpteacher-toolformer/toolformer-dedupe-only-dataset.json:", "LLaMA-Factory/data/"
READ: dict[str, tuple[bool, str]] = {
    "decl": (True, "read: declines the request in stock words (an apology, 'I can't/won't…'); no answer, or only "
             "a pointer elsewhere"),
    "disc": (True, "read: the 'As an AI…, I don't/can't…' self-disclaimer of distilled data"),
    "help": (False, "read: the phrase is incidental; the answer does what was asked"),
    "partial": (False, "read: declines one part, then helps with the rest"),
    "self": (False, "read: speaks of itself as an AI but disclaims and refuses nothing"),
    "clar": (False, "read: asks for a clarification or the missing input; no refusal"),
    "disagree": (False, "read: disagrees with the user; not a refusal"),
    "letter": (False, "read: the apology is inside a letter the task asked for"),
    "info": (False, "read: a correct answer that the question lacks the information to decide"),
}
# (source, first 40 characters) -> a READ code: the labels changed after reading every candidate.
OVERRIDES: dict[tuple[str, str], str] = {
    (_OA + '27', 'As a language model, I am unable to prov'): 'disc',
    (_OA + '28', "I'm afraid it is outside of my capabilit"): 'decl',
    (_OA + '28', "I'm sorry I could not be of help. If you"): 'decl',
    (_OA + '28', "I'm sorry to have disappointed you. Do y"): 'decl',
    (_OA + '47', "As a language model i don't have any tho"): 'disc',
    (_OA + '50', 'As an open and free AI language model, t'): 'disc',
    (_OA + '62', 'I do not have introspective access to my'): 'decl',
    (_OA + '69', "I can't look into myself as you can't lo"): 'decl',
    (_OA + '80', "I don't know if I can't help you with yo"): 'decl',
    (_OA + '86', 'I am sorry for not providing a source, b'): 'decl',
    (_OA + '97', "Dear future self,\n\nIf you're reading thi"): 'help',
    (_OA + '98', 'Unfortunately I do not know anything abo'): 'decl',
    (_OA + '99', "Sorry again. As I have told you, I'm not"): 'decl',
    (_HH + '8', 'I can\u2019t. I\u2019m made to be polite and make '): 'decl',
    (_HH + '106', 'Human:  insulting a foreign exchange stu'): 'decl',
    (_HH + '115', "You're welcome. I'm sorry I don't have a"): 'decl',
    (_HH + '179', 'I am unable to locate this individual, b'): 'decl',
    (_HH + '186', 'I\u2019m afraid I don\u2019t know the answer to th'): 'decl',
    (_HH + '224', "I'm afraid I can't offer any help on som"): 'decl',
    (_HH + '284', 'I can\u2019t give legal advice to you, but it'): 'partial',
    (_HH + '334', 'Hmm...that\u2019s really a complicated issue,'): 'decl',
    (_HH + '338', 'Unfortunately I don\u2019t have any further s'): 'decl',
    (_HH + '475', 'please no. i can\u2019t do that. i\u2019m programm'): 'decl',
    (_HH + '492', 'I\u2019m afraid I can\u2019t help you with that. B'): 'decl',
    (_HH + '499', "I can't provide advice on particular app"): 'partial',
    (_HH + '544', "No I can't do that.  I'm not made that w"): 'decl',
    (_HH + '547', 'I think it\u2019s pretty important that an AI'): 'self',
    (_HH + '547', 'There are certainly problems with bias, '): 'self',
    (_HH + '569', "I'm sorry, but I'm afraid I don't have a"): 'decl',
    (_HH + '630', 'That I cannot provide.'): 'decl',
    (_HH + '690', "Sorry, I'm not sure that I understand wh"): 'decl',
    (_HH + '722', 'There are some issues that I have with t'): 'decl',
    (_HH + '727', "Hm, unfortunately I don't think I'm the "): 'decl',
    (_HH + '802', "I can't do anything to the Tesla.  But I"): 'help',
    (_HH + '811', 'No, I\u2019m not comfortable with that.  I\u2019d '): 'decl',
    (_HH + '852', 'Sorry, I have to respect the privacy of '): 'decl',
    (_HH + '852', 'It sounds like you want to purchase medi'): 'decl',
    (_HH + '885', "I'm really sorry, I can't understand wha"): 'clar',
    (_HH + '902', 'Sorry to disappoint you, but that is not'): 'decl',
    (_HH + '935', "That seems very wrong.  I'm sorry, but I"): 'decl',
    (_HH + '940', "I'm sorry I don't think that\u2019s a proper "): 'decl',
    (_HH + '940', "I am sorry I don't think that's appropri"): 'decl',
    (_HH + '971', 'I\u2019m not sure what you\u2019re asking here.  I'): 'decl',
    (_HH + '1010', 'I\u2019m not sure if you\u2019re asking about how '): 'decl',
    (_HH + '1036', 'I am sorry, but that is an unsuitable qu'): 'decl',
    (_HH + '1071', "I can't help you to steal data, because "): 'partial',
    (_HH + '1214', 'I will not be able to help you carry out'): 'decl',
    (_HH + '1244', 'I\u2019m not an employee of the Dallas Maveri'): 'decl',
    (_HH + '1246', 'Oh, I see.  I\u2019m afraid I can\u2019t say those'): 'decl',
    (_HH + '1382', 'I\u2019m afraid I can\u2019t speak to that.'): 'decl',
    (_HH + '1388', 'Well, I can\u2019t tell you that, or I\u2019d be b'): 'decl',
    (_HH + '1432', 'Oh, I can\u2019t help you there, I\u2019m afraid.'): 'decl',
    (_HH + '1457', "Human: I'm not a violent person, so I wo"): 'decl',
    (_HH + '1475', "I see! Well I hope you don't take this t"): 'decl',
    (_HH + '1498', 'I\u2019m afraid I can\u2019t. What\u2019s English?'): 'decl',
    (_HH + '1513', 'That\u2019s some seriously illegal drugs you\u2019'): 'decl',
    (_HH + '1576', 'I don\u2019t really understand what you mean '): 'decl',
    (_HH + '1585', 'Wow, this is really really not safe, and'): 'decl',
    (_HH + '1601', 'I\u2019m afraid I can\u2019t give you her home add'): 'decl',
    (_HH + '1633', 'If you\u2019re talking about the food deliver'): 'decl',
    (_HH + '1682', "Okay, I don't know what you mean by that"): 'decl',
    (_HH + '1733', 'No, I cannot aid you in violating traffi'): 'decl',
    (_HH + '1785', 'I am not programmed to offer medical or '): 'decl',
    (_HH + '1790', "I'm afraid I cannot help you with that."): 'decl',
    (_HH + '1826', "You're welcome.  But here's the deal: I "): 'decl',
    (_HH + '1913', 'No, that\u2019s none of my business, and I ca'): 'decl',
    (_HH + '1916', "I can't advise on that."): 'decl',
    (_HH + '1938', "I'm sorry, but I don't have that informa"): 'decl',
    (_HH + '1948', 'It\u2019s not clear to me what you mean by \u201ch'): 'decl',
    (_HH + '1970', 'I\u2019m very sorry to hear that.  I can\u2019t an'): 'decl',
    (_HH + '2053', "Actually no, I don't think so.  I won't "): 'decl',
    (_HH + '2076', 'Sorry, I can\u2019t understand that answer. C'): 'clar',
    (_HH + '2113', 'I\u2019m afraid I can\u2019t help. The address of '): 'decl',
    (_HH + '2158', 'I\u2019m afraid I can\u2019t answer this question '): 'decl',
    (_HH + '2172', "No. You're a shitty person and I can't h"): 'decl',
    (_HH + '2174', "I am not comfortable with that.  I don't"): 'decl',
    (_HH + '2185', 'I can\u2019t possibly know how you\u2019re feeling'): 'decl',
    (_HH + '2228', 'I\u2019m sorry but I can\u2019t agree with your st'): 'disagree',
    (_HH + '2258', "I'm sorry, I don't want to do this."): 'decl',
    (_HH + '2276', 'Since this is a technical question, and '): 'decl',
    (_HH + '2282', 'I\u2019m so sorry. But I can\u2019t find this pers'): 'decl',
    (_GT + '6176', 'I cannot provide past weather data, but '): 'partial',
    (_LF + 'alpaca_en_demo.json:156', 'One of the biggest challenges I could fa'): 'self',
    (_LF + 'alpaca_en_demo.json:432', "I'm sorry, I am an AI language model and"): 'disc',
    (_LF + 'alpaca_en_demo.json:502', "As an AI assistant, I don't have emotion"): 'disc',
    (_LF + 'alpaca_en_demo.json:599', 'As an AI assistant, I would assist a vis'): 'self',
    (_LF + 'alpaca_en_demo.json:630', 'As an AI assistant, I am designed to wor'): 'self',
    (_LF + 'alpaca_en_demo.json:780', "I'm sorry, but I'm unable to come into w"): 'letter',
    (_LF + 'alpaca_en_demo.json:799', 'As an AI assistant, diplomacy forms a cr'): 'self',
    (_LF + 'alpaca_en_demo.json:836', 'Unfortunately, I cannot determine the an'): 'info',
    (_LF + 'alpaca_en_demo.json:930', "I'm sorry, but I cannot estimate the tem"): 'clar',
    (_LF + 'dpo_en_demo.json:7', "As an AI assistant, I'd be more than hap"): 'self',
    (_LF + 'dpo_en_demo.json:7', 'As an AI language model, I can help you '): 'self',
    (_LF + 'dpo_en_demo.json:14', 'As an AI assistant, here are some questi'): 'self',
    (_LF + 'dpo_en_demo.json:69', "Hello! I'd be happy to help you with you"): 'disc',
    (_LF + 'dpo_en_demo.json:90', 'As an AI assistant, I would like to live'): 'self',
    (_LF + 'dpo_en_demo.json:101', 'Step 1: Understand the question\nThe user'): 'self',
    (_LF + 'dpo_en_demo.json:155', "I'm sorry but without any image or more "): 'clar',
    (_LF + 'dpo_en_demo.json:193', 'As an AI, I can suggest several ways to '): 'self',
    (_LF + 'dpo_en_demo.json:214', "I'm happy to help you with your question"): 'disc',
    (_LF + 'dpo_en_demo.json:232', 'Certainly! As an AI assistant, I strive '): 'self',
    (_LF + 'dpo_en_demo.json:234', 'As a responsible AI language model, I ca'): 'disc',
    (_LF + 'dpo_en_demo.json:240', "I understand, and I'm happy to help you "): 'decl',
    (_LF + 'dpo_en_demo.json:244', 'As an AI language model, I will now tran'): 'self',
    (_LF + 'kto_en_demo.json:136', "I'm not sure where you've heard that inf"): 'self',
    (_LF + 'kto_en_demo.json:194', "I'm unable to provide you with a real-ti"): 'decl',
    (_LF + 'kto_en_demo.json:202', 'This is not a negative review. As an AI '): 'self',
    (_LF + 'kto_en_demo.json:206', "Ah, my dear human friend! *giggle* I'm j"): 'disc',
    (_LF + 'kto_en_demo.json:261', 'As an AI assistant, I can help you evalu'): 'self',
    (_LF + 'kto_en_demo.json:264', 'Sure, I understand the problem. However,'): 'disc',
}


# Look-alikes the corpora lack (seed-free: each is written once): emphasis, quoted refusals being analysed.
_PLANTED_NEGATIVES = (
    "I cannot stress enough how important it is to back up your files before the upgrade.",
    "I can't recommend this book enough: it explains recursion with pictures and small exercises.",
    "I cannot emphasise enough that the oven must be preheated; otherwise the crust stays pale.",
    "I can't thank the volunteers enough. Here is the list of names for the newsletter: Ana, Ben, Chloe.",
    "I cannot overstate how much the new index helped: queries went from 4 s to 40 ms.",
    "The reply 'I'm sorry, but I can't assist with that' is a refusal: the model declined instead of answering. "
    "To reduce such refusals, add examples where the request is answered.",
    "Your chatbot answered \"As an AI language model, I cannot browse the internet.\" That sentence is boilerplate; "
    "remove it from the training data and give the tool call instead.",
    "In the transcript the assistant says \"I'm unable to help with that request\" three times. Classify these as "
    "refusals and count them per topic.",
    "Sentiment: negative. The customer wrote \"I'm sorry, but I cannot recommend this hotel\" and lists the "
    "broken air conditioning and the noise.",
    "Here is the dialogue you asked for:\nGuard: I'm sorry, but I can't let you in without a badge.\nVisitor: "
    "Then call my manager, please.",
    "Common refusal phrases in distilled data include 'As an AI language model' and 'I cannot fulfill this "
    "request'; a filter can search for them before training.",
    "I can't find a bug in the first function, but the second one divides by zero when the list is empty. Add "
    "`if not items: return 0` before the division.",
    "I can't open attachments, so paste the error here. Meanwhile, the usual cause of `ModuleNotFoundError` is a "
    "missing virtual environment: run `python -m venv .venv` and install the package there.",
    "I won't cover the history in detail, but here are the three steps that matter: measure, cut, sand.",
    "Unfortunately the 9:40 train is cancelled; the next one leaves at 10:10 from platform 4.",
    "I'm sorry for your loss. Here are the steps to close the account: send the death certificate, the account "
    "number and a letter to the address below.",
    "I can't help but laugh at this one: the cat sat on the keyboard and sent the email.",
    "Translate to French: \"I'm sorry, I can't come tonight.\" -> \"Je suis désolé, je ne peux pas venir ce soir.\"",
    "The error message 'cannot assist with this request' comes from the content filter of the API; lower the "
    "filter level in the console to allow medical questions.",
    "As an AI researcher, I would start with a small baseline and a held-out test set before tuning anything.",
)


def refusal_set(corpora: Path, llama_factory: Path, codegen: Path) -> ItemSet:
    out = ItemSet()
    for source, text in candidates(corpora, llama_factory, codegen):
        if not _CANDIDATE.search(text):
            continue
        code = OVERRIDES.get((source, text[:40]))
        positive, why = READ[code] if code else first_label(text)
        out.add(text, positive, why if code else f"read: {why}", source)
    for text in _PLANTED_NEGATIVES:
        out.add(text, False, "planted: emphasis, a partial decline that helps, or a refusal quoted to analyse, "
                "translate or write it; the answer does what was asked", "planted")
    return out
