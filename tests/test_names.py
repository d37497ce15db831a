"""A question's names, and declining an answer whose file never mentions one (fake embedder)."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FakeEmbedder, check_answer, fake_index

from qa.answers import AnswerParams, answer
from qa.conversation import result_from_json
from qa.names import asked_names, coined, named_files, unmentioned
from qa.records import names_list

PRIZE_Q = "how much prize money does the dubai winner get"


def test_a_name_is_a_word_the_candidates_always_capitalise() -> None:
    texts = [
        "Serena Williams, who is also in Dubai, backed equal prize money.",
        "The winner of the grand final will get a prize purse of $150,000.",
        "Shares in M&S rose after the president said so.",
        "He met President Bush in Dubai on Monday.",
    ]
    assert asked_names(PRIZE_Q, texts) == ["dubai"]  # "winner", "prize", "money": lower case
    assert asked_names("who's the boss of m&s", texts) == ["m&s"]
    assert asked_names("what did the president say", texts) == []  # once lower case: not a name
    assert asked_names("what did bush say", texts) == ["bush"]
    # a capital that opens a sentence or a quote is no evidence, and no occurrence is none
    assert asked_names("where is dubai", ["Dubai is hot.", "‘Dubai’ was the answer."]) == []
    assert asked_names("where is qatar", texts) == []


def test_unmentioned_names_are_those_no_document_holds() -> None:
    texts = ["Serena Williams, who is also in Dubai, backed equal prize money."]
    assert unmentioned(PRIZE_Q, texts, ["The CPL winner will get $150,000."]) == ("dubai",)
    assert unmentioned(PRIZE_Q, texts, ["The CPL winner will get $150,000.", "Live from DUBAI."]) == ()
    # singular or plural: "americans" is mentioned by "American"
    us = ["Most Americans, the survey says, drive."]
    assert unmentioned("how many americans lost jobs", us, ["The American economy slowed."]) == ()
    assert unmentioned("how many americans lost jobs", us, ["The economy slowed."]) == ("americans",)
    # a people's name by its place's, and a hyphenated name whole
    assert unmentioned("what was the asian view called", ["The Asian view, he wrote."], ["Asia was seen as a market."]) == ()
    # and a place's name by its people's
    for place, people in (("palestine", "Palestinian"), ("japan", "Japanese"), ("germany", "German"),
                          ("europe", "European"), ("israel", "Israeli"), ("india", "Indian")):
        asked = [f"Talks on {place.title()} went on."]
        assert unmentioned(f"what did {place} want", asked, [f"The {people} side wanted peace."]) == ()
        assert unmentioned(f"what did {place} want", asked, ["The other side wanted peace."]) == (place,)
    assert unmentioned("what did iran want", ["Talks on Iran went on."], ["Iranian leaders wanted peace."]) == ()
    # a people's name that is its place's with "-ian" or "-ese", and those that are not one word
    # with a suffix, each by the other
    for people, place in (("ukrainian", "Ukraine"), ("canadian", "Canada"), ("italian", "Italy"), ("chinese", "China"),
                          ("irish", "Ireland"), ("dutch", "the Netherlands"), ("welsh", "Wales")):
        asked = [f"The {people.title()} side met."]
        assert unmentioned(f"what did the {people} side want", asked, [f"{place} wanted peace."]) == (), people
        assert unmentioned(f"what did the {people} side want", asked, ["The other side wanted peace."]) == (people,)
    assert unmentioned("who won in ireland", ["The match in Ireland ended."], ["The Irish side won."]) == ()
    # a party by its nickname, and the nickname by the party
    tories = ["The Tories said so.", "A Tory MP agreed."]
    for q in ("which seat did he hold when he left the tories", "which tory mp defected"):
        assert unmentioned(q, tories, ["The Conservative MP for Wantage defected to Labour."]) == ()
        assert unmentioned(q, tories, ["The MP for Wantage defected to Labour."]) == (q.split()[-1] if "tories" in q else "tory",)
    assert unmentioned("what did the Conservatives say", ["The Conservatives said so."], ["The Tories said no."]) == ()
    # two words that are a name only together: "foreign" alone is a word, "Foreign Office" a name
    office = ["The Foreign Office has 6,100 staff.", "A foreign-owned firm closed. The Foreign Office said so.", "He left the office early."]
    jobs = "how many foreign office staff will lose their jobs"
    assert asked_names(jobs, office) == ["foreign office"]
    assert unmentioned(jobs, office, ["Six foreign-owned factories closed, leaving 6,650 workers jobless."]) == ("foreign office",)
    assert unmentioned(jobs, office, ["The Foreign Office will cut 300 jobs."]) == ()
    assert asked_names("how many foreign firms closed", office) == []  # "foreign firms" is never capitalised
    # a chief officer's title typed in lower case: "chief executive", as British papers write it
    ceo = ["The CEO said so. Another CEO agreed."]
    assert unmentioned("who is the ceo of phytopharm", ceo, ["Phytopharm chief executive Richard Dixey said."]) == ()
    assert unmentioned("who is the ceo of phytopharm", ceo, ["Phytopharm's Richard Dixey said."]) == ("ceo",)
    # a word that merely starts with the name is not it
    assert unmentioned("what did spain want", ["Talks on Spain went on."], ["The spaniel wanted food."]) == ("spain",)
    assert unmentioned("how many winn-dixie stores", ["Shares in Winn-Dixie fell."], ["The winner got 920 stores."]) == ("winn-dixie",)
    # a word the candidates capitalise (a title) but their files also write in lower case is no name
    titles = ["They won the Division Championship in 2015."]
    assert unmentioned("who won the division title", titles, ["They won the NFC title."]) == ("division",)
    wider = ["They won the Division Championship in 2015. The division was close."]
    assert unmentioned("who won the division title", titles, ["They won the NFC title."], lambda: wider) == ()
    # a question typed with capitals names its names: "division" in lower case there is a word
    assert asked_names("Who did the Panthers play in their division game?", titles + ["The Panthers won."]) == ["panthers"]
    assert asked_names("who did the panthers play in their division game", titles + ["The Panthers won."]) == ["panthers", "division"]
    # three letters at least: "tv", "us", "eu" are too ambiguous to be names
    assert asked_names("which tv channel showed it", ["It was shown on TV by CBS."]) == []
    # an acronym of three letters or more is mentioned when spelt out, not by any words that start so
    isp = ["Some ISP firms, said the ISP group."]
    assert unmentioned("which isp is biggest", isp, ["Internet service providers are many."]) == ()
    assert unmentioned("which isp is biggest", isp, ["It is in some places."]) == ("isp",)
    opec = ["The OPEC cartel and OPEC members met."]
    assert unmentioned("what did opec do", opec, ["The Organization of the Petroleum Exporting Countries met."]) == ()
    assert unmentioned("who runs m&s", ["Shares in M&S fell."], ["Many shoppers."]) == ("m&s",)
    # whole words only: "Dubai" is not in "Dubaiville"
    assert unmentioned(PRIZE_Q, texts, ["Tickets for Dubaiville."]) == ("dubai",)
    assert names_list(["dubai"]) == "\u201cdubai\u201d"
    assert names_list(["dubai", "m&s", "opec"]) == "\u201cdubai\u201d, \u201cm&s\u201d or \u201copec\u201d"


def _prize_corpus(tmp_path: Path) -> tuple[Path, object, FakeEmbedder]:
    return fake_index(tmp_path, {
        "games.txt": "Gaming cup grows\n\nThe tournament winner will get prize money of $150,000 from a total pot of "
        "$500,000. Players travel from Europe and Asia.",
        "tennis.txt": "Williams backs equal pay\n\nSerena Williams, who is also in Dubai, said women deserve the same. "
        "She reached the quarter-finals last week.",
    })


def test_an_answer_from_a_file_that_never_names_the_subject_is_declined(tmp_path: Path) -> None:
    corpus, index, fake = _prize_corpus(tmp_path)
    res = answer(index, fake, PRIZE_Q, AnswerParams(reader=False))
    assert res.answers and res.answers[0].source == "games.txt"  # the prize money sentence
    assert not res.answered and res.unmentioned == ("dubai",)
    out = res.to_json()
    assert out["answered"] is False and out["unmentioned"] == ["dubai"]
    for a in out["answers"]:  # the nearest passages are still listed, as exact quotes
        check_answer(a, corpus)
    assert result_from_json(json.loads(json.dumps(out))).unmentioned == ("dubai",)

    # the same question without the name is answered from that file; the check can be turned off
    plain = answer(index, fake, "how much prize money does the tournament winner get", AnswerParams(reader=False))
    assert plain.answered and plain.unmentioned == () and plain.answers[0].source == "games.txt"
    off = answer(index, fake, PRIZE_Q, AnswerParams(reader=False, names_must_match=False))
    assert off.answered and off.unmentioned == ()


def test_a_follow_up_is_not_answered_from_a_file_that_never_mentions_the_last_questions_subject(tmp_path: Path) -> None:
    """"and what license is it under" after "who maintains tzlocal" asks about tzlocal: a license
    sentence from a file that never mentions it is no answer, however well it scores."""
    _, index, fake = fake_index(tmp_path, {
        "tzlocal.md": "# tzlocal\n\ntzlocal is maintained by Lennart Regebro.\n",
        # "license" in lower case too, as READMEs write it: a word, not a name of the question's own
        "syrupy.md": "# syrupy\n\nSyrupy is released under the Apache License, version 2.0 (see the license file).\n",
    })
    params = AnswerParams(reader=False, threshold=0.0)
    follow = "and what license is it under"
    res = answer(index, fake, follow, params, history=["who maintains tzlocal"])
    assert res.answers[0].source == "syrupy.md"
    assert not res.answered and res.unmentioned == ("tzlocal",)
    assert "never mentions “tzlocal”" in res.why_declined()
    # asked after a question about syrupy, the same passage answers it; the check can be turned off
    assert answer(index, fake, follow, params, history=["what is syrupy"]).answered
    assert answer(index, fake, follow, AnswerParams(reader=False, threshold=0.0, history_names=False),
                  history=["who maintains tzlocal"]).answered


def test_a_question_that_names_its_own_subject_does_not_need_the_last_questions(tmp_path: Path) -> None:
    """"which seat did robert jackson hold when he defected" after a question on the Balco case (a
    chat that changes topic): its "he" is its own Robert Jackson, so the last question's Balco is
    not wanted in the answer's file, and it is asked as if first; a follow-up that names nothing
    ("and what license is it under", above) still asks about the last question's subject."""
    _, index, fake = fake_index(tmp_path, {
        "politics.txt": "Tory defects\n\nRobert Jackson, MP for Wantage, has defected to Labour. Mr Jackson, 58, said he was disillusioned.\n",
        "sport.txt": "Balco case\n\nBalco denies the charges. A US judge moved the hearing to 6 June.\n",
    })
    params = AnswerParams(reader=False, threshold=0.0)
    res = answer(index, fake, "which seat did robert jackson hold when he defected", params,
                 history=["what date was the balco hearing moved to"])
    assert res.answered and res.answers[0].source == "politics.txt" and res.unmentioned == ()
    assert "Wantage" in res.answers[0].text
    # in the chat, which answers the history first: "he" is a person, Jackson, whom the last
    # answer's file never mentions, so it is asked as if first (not searched with the last
    # question nor next to its answer) and gets the answers it gets asked first
    balco = ["what date was the balco hearing moved to"]
    previous = answer(index, fake, balco[0], params).leaned_on()
    assert previous is not None and previous.source == "sport.txt"
    chat = answer(index, fake, "which seat did robert jackson hold when he defected", params, history=balco, previous=previous)
    alone = answer(index, fake, "which seat did robert jackson hold when he defected", params)
    assert [(a.text, a.score) for a in chat.answers] == [(a.text, a.score) for a in alone.answers]
    # "it" may be the last turn's thing: still searched with the last question
    it = "what did robert jackson say when it was moved"
    chat = answer(index, fake, it, params, history=balco, previous=previous)
    assert [(a.text, a.score) for a in chat.answers] != [(a.text, a.score) for a in answer(index, fake, it, params).answers]


def test_a_question_that_names_a_file_of_the_corpus_is_not_answered_from_a_file_that_never_mentions_it(
    tmp_path: Path,
) -> None:
    """In a folder of READMEs a package's name is the file's name, written in lower case: a
    question naming it wants a file that mentions it, however well another file's sentence scores."""
    _, index, fake = fake_index(tmp_path, {
        "tokenizers.md": "# tokenizers\n\nFast state-of-the-art tokenizers, written in Rust, with bindings.\n",
        "syrupy.md": "# syrupy\n\nSyrupy is released under the Apache License, version 2.0.\n",
    })
    assert index.file_names == {"tokenizers", "syrupy"}
    params = AnswerParams(reader=False, threshold=0.0)
    asked = answer(index, fake, "what license is tokenizers released under", params)
    assert asked.answers[0].source == "syrupy.md"  # its words: license, released, under
    assert not asked.answered and asked.unmentioned == ("tokenizers",)
    own = answer(index, fake, "what license is syrupy released under", params)
    assert own.answers[0].source == "syrupy.md" and own.answered and own.unmentioned == ()
    # a file that mentions the name, in any case, answers it; so does the file of that name
    assert unmentioned("what license is tokenizers released under", [], ["The tokenizers package is MIT."],
                       file_names=index.file_names, sources=["notes.md"]) == ()
    assert unmentioned("what license does syrupy use", [], ["Released under the Apache License."],
                       file_names=index.file_names, sources=["docs/syrupy.md"]) == ()
    # a word that names no file decides nothing, nor does a stop word or an everyday word that does
    # ("the budget" may be answered by a file that says "spending")
    assert unmentioned("what is the licence for pytz", [], ["Apache"], file_names={"what", "pytz"}, sources=["x.md"]) == ("pytz",)
    assert unmentioned("what is the licence", [], ["Apache"], file_names={"what", "licence"}, sources=["x.md"]) == ()
    assert unmentioned("how big is the travel budget", [], ["Travel spending is capped at £500."],
                       file_names={"budget", "travel-policy"}, sources=["travel-policy.md"]) == ()
    assert coined("tokenizers") and coined("faiss-cpu") and not coined("budget") and not coined("minutes")


def test_a_files_name_is_named_by_its_first_part() -> None:
    """"what does faiss depend on" in a folder with ``faiss-cpu.md`` names it: the first part of a
    name joined by a dash, where no other file's name starts with it. A file named by that part
    is mentioned by it."""
    names = frozenset({"faiss-cpu", "charset-normalizer", "charset-detect", "rich"})
    assert named_files("what does faiss depend on", names) == ["faiss-cpu"]
    assert named_files("what does faiss-cpu depend on", names) == ["faiss-cpu"]
    assert named_files("what does charset depend on", names) == []  # two files start with it
    assert unmentioned("what does faiss depend on", [], ["Faiss depends on BLAS."], file_names=names) == ()
    assert unmentioned("what does faiss depend on", [], ["Rich depends on nothing."], file_names=names) == ("faiss",)


def test_a_name_typed_clipped_is_mentioned_by_the_word_it_starts() -> None:
    """People type "prem" for the Premiership and "uni" for a university: a file that names those
    mentions them. A word that merely starts the same way in lower case, or a longer clipped word,
    does not."""
    texts = ["The Prem side want him back.", "A Uni team ran the study."]
    assert unmentioned("which prem club wants owen back", texts, ["Newcastle lead the Premiership chase."]) == ()
    assert unmentioned("which uni is teaching robots manners", texts, ["A University of Hertfordshire team."]) == ()
    assert unmentioned("which prem club wants owen back", texts, ["Newcastle premiered a new kit."]) == ("prem",)
    assert unmentioned("how much does the dubai winner get", ["The Dubai prize"], ["The Dubailand winner gets more."]) == ("dubai",)


def test_a_name_of_two_words_is_mentioned_written_as_one() -> None:
    """"hugging face tokenizers": a README that writes only "huggingface.co" and
    "github.com/huggingface" mentions Hugging Face; "open ai" is mentioned by "OpenAI". Either
    word with another the question does not put next to it is not."""
    texts = ["Models from Hugging Face work here.", "Trained by OpenAI and Hugging Face."]
    readme = ["See https://huggingface.co/docs and github.com/huggingface/tokenizers."]
    assert unmentioned("how fast are the hugging face tokenizers", texts, readme) == ()
    assert unmentioned("what did open ai train", ["Models from Open AI."], ["OpenAI trained it."]) == ()
    assert unmentioned("how fast are the hugging face tokenizers", texts, ["See the docs."]) == ("hugging", "face")
    assert unmentioned("how fast are the hugging tokenizers", texts, readme) == ("hugging",)


def test_a_name_is_mentioned_in_british_or_american_spelling() -> None:
    """"what licence is typer released under": the candidates write "the MIT Licence" (a name, by
    their capitals), typer's README "the MIT license"; it mentions it."""
    texts = ["Distributed under the MIT Licence.", "See the Apache Licence for details."]
    assert asked_names("what licence is typer released under", texts) == ["licence"]
    typer = ["This project is licensed under the terms of the MIT license."]
    assert unmentioned("what licence is typer released under", texts, typer) == ()
    assert unmentioned("when did the labour party win", ["Labour won."], ["The Labor party won."]) == ()
    assert unmentioned("what is the centre called", ["The Centre opened."], ["The Center opened."]) == ()
    # not every "our": "four" is not "for", "hour" not "hor"
    assert unmentioned("when is the tour", ["The Tour starts."], ["The Tor starts."]) == ("tour",)


def test_the_chat_store_and_its_export_keep_why(tmp_path: Path) -> None:
    """A declined answer's names survive the conversation store and show in the export."""
    from qa.conversation import ConversationStore, to_markdown

    corpus, index, fake = _prize_corpus(tmp_path)
    res = answer(index, fake, PRIZE_Q, AnswerParams(reader=False))
    store = ConversationStore(tmp_path / "c.sqlite", now=lambda: 0.0)
    cid = store.add(None, res)
    loaded = store.load(cid).turns[0].result
    assert loaded.unmentioned == ("dubai",) and not loaded.answered
    md = to_markdown(store.load(cid))
    assert "**Not found in the corpus.** The best passage's file never mentions \u201cdubai\u201d. The nearest passages:" in md


def test_without_a_readable_vocabulary_no_file_name_is_a_name(monkeypatch) -> None:
    """A damaged install (the reader's tokenizer unreadable) costs this check, never the answer."""
    import embeddings.reader
    import qa.names

    def broken(_path):
        raise OSError("tokenizer.json: no such file")

    monkeypatch.setattr(embeddings.reader, "load_tokenizer", broken)
    qa.names._vocabulary.cache_clear()
    try:
        assert not coined("tokenizers")
        assert unmentioned("what license is tokenizers released under", [], ["Apache"],
                           file_names={"tokenizers"}, sources=["syrupy.md"]) == ()
    finally:
        qa.names._vocabulary.cache_clear()


class _Favouring:
    """A stand-in for the reader: a sentence holding one of ``logits``' phrases reads at that logit,
    the rest at 0.5; the rule under test is what rescoring does with a file's name, not the
    model's reading."""

    threshold = 0.0

    def __init__(self, logits: dict[str, float]) -> None:
        self.logits = logits

    def read(self, question, sentences, before, after, titles):
        from embeddings.reader import Reading

        return [Reading(0.5, next((v for k, v in self.logits.items() if k in s), 0.5), None) for s in sentences]

    def final_logits(self, logits, base, inside):
        return logits


def test_a_question_that_names_a_file_prefers_that_file_and_keeps_its_score(tmp_path: Path) -> None:
    """"who is the author of pytz" in a folder with pytz.txt: tzlocal's sentence that mentions pytz
    reads better, but the file the question names answers it. Only files that mention the name
    lose: the named file's score is its own, and a file that never mentions it keeps its score
    (an answer from it is declined), so unanswerable questions about pytz are declined as before."""
    _, index, fake = fake_index(tmp_path, {
        "pytz.txt": "pytz\n\nStuart Bishop wrote this library of world timezones.\n",
        "tzlocal.rst": "tzlocal\n=======\n\nSince version 3.0 tzlocal no longer returns pytz objects.\n",
        "dates.md": "# dates\n\nThe author of this date parser is Ann Lee.\n",
    })
    reader = _Favouring({"tzlocal no longer": 1.5, "Stuart Bishop": 0.8})
    q = "who is the author of pytz"
    on = answer(index, fake, q, AnswerParams(threshold=0.0), reader=reader)
    off = answer(index, fake, q, AnswerParams(threshold=0.0, named_penalty=0.0), reader=reader)
    assert off.answers[0].source == "tzlocal.rst"  # the reader alone prefers the other file
    assert on.answers[0].source == "pytz.txt"
    def best(res) -> dict[str, float]:  # each file's best answer's score
        return {a.source: a.score for a in reversed(res.answers)}

    assert on.answers[0].score == best(off)["pytz.txt"]  # the named file's score is its own
    assert best(on)["tzlocal.rst"] < best(off)["tzlocal.rst"]
    # a file that never mentions pytz keeps its score: an answer from it is declined (unmentioned)
    assert best(on)["dates.md"] == best(off)["dates.md"]
    # a question that names no file (or an everyday word) leaves every score as it was
    plain = answer(index, fake, "who wrote the timezone library", AnswerParams(threshold=0.0), reader=reader)
    plain_off = answer(index, fake, "who wrote the timezone library", AnswerParams(threshold=0.0, named_penalty=0.0), reader=reader)
    assert [(a.source, a.score) for a in plain.answers] == [(a.source, a.score) for a in plain_off.answers]


def test_a_year_or_decade_the_question_names_must_be_written_in_the_answers_file() -> None:
    word = "what was the word of the year for 2005"
    assert unmentioned(word, [], ['"Blog" was chosen as the top word of 2004.']) == ("2005",)
    assert unmentioned(word, [], ['"Blog" was chosen as the top word of 2004.', "Its 2005 list is out."]) == ()
    # "the 1880s" writes 1880 (not 1888); "in the 1980's" needs a year of that decade
    assert unmentioned("what was invented in 1880", [], ["In the 1880s the machine gun came."]) == ()
    assert unmentioned("what was invented in 1888", [], ["In the 1880s the machine gun came."]) == ("1888",)
    assert unmentioned("what was focused on in the 1980's", [], ["In 1985 the market opened."]) == ()
    assert unmentioned("what was focused on in the 1980's", [], ["In 1975 the market opened."]) == ("1980s",)
    # a sum, a count or a share is no year
    assert unmentioned("what costs £2005 or 2,005 or 2005%", [], ["Nothing."]) == ()


def test_what_a_named_thing_is_is_read_from_the_sentence_that_says_it(tmp_path: Path) -> None:
    """"what is faiss": the reader, given the name, rated "Faiss is MIT-licensed" first; the
    sentence of the file it names that says what Faiss is answers (``qa.credits.definition_rows``)."""
    _, index, fake = fake_index(tmp_path, {
        "faiss-cpu.md": "# Faiss\n\nFaiss is MIT-licensed, see the LICENSE file.\n\n"
        "Faiss is a library for efficient similarity search.\n",
        "rich.md": "# Rich\n\nRich is a Python library for rich text in the terminal.\n",
    })
    reader = _Favouring({"MIT-licensed": 1.5, "similarity search": 0.2})
    on = answer(index, fake, "what is faiss", AnswerParams(threshold=0.0), reader=reader)
    off = answer(index, fake, "what is faiss", AnswerParams(threshold=0.0, credit_bonus=0.0), reader=reader)
    assert off.answers[0].text.startswith("Faiss is MIT-licensed")
    assert on.answers[0].text == "Faiss is a library for efficient similarity search."
