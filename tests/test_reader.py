"""The shipped reader model: loading, its spans, abstention, and accuracy floors with it.

The floors are what the project reached when they were set (see the README's results), less a
small margin for floating-point differences between machines.
"""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import (
    INVEST_Q,
    ROOT,
    SEED_WRONG_WITH_READER,
    SHARED,
    UNANSWERABLE_Q,
    fake_index,
    require_shared,
)

from embeddings.reader import (
    CONFIG,
    MODEL,
    READER_DIR,
    Reader,
    ReaderError,
    best_span,
    encode_pairs,
    load_tokenizer,
    sha256,
)
from qa.answers import AnswerParams, answer
from qa.credits import is_byline
from qa.engine import Engine
from qa.evaluation import load_questions, score
from qa.reading import rescore, title_of

pytestmark = pytest.mark.integration

# a fast slice of bbc: the files that answer its first 20 direct questions (and 5 unanswerable) among 150 others
# measured 0.6875 (11 of 16 answerable) with the first reader ranking (0.5625 before); 0.625 (10 of 16)
# in the latest sessions (with and without qa.roles)
BBC_SLICE_ACC1 = 0.625
# measured 0.111 (1 of 9 unanswerable); 0.556 (5 of 9) once answers from files that never mention
# the question's names were declined (qa/names.py)
BBC_SLICE_ABSTAIN = 0.5
BBC_SLICE_FALSE_ABSTAIN = 0.125  # measured 0.0625 (1 of 16 answerable declined), 0 since


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader()


@pytest.fixture(scope="module")
def sample_engine(tmp_path_factory, real_embedder) -> Engine:
    tmp = tmp_path_factory.mktemp("reader")
    corpus = tmp / "corpus"
    shutil.copytree(ROOT / "corpus", corpus)
    engine = Engine(corpus, tmp / "index", embedder_factory=lambda name: real_embedder)
    engine.build()
    return engine


def test_the_shipped_model_matches_its_card() -> None:
    config = json.loads((READER_DIR / CONFIG).read_text(encoding="utf-8"))
    model = READER_DIR / MODEL
    assert model.stat().st_size == config["bytes"] <= 30 * 2**20
    assert sha256(model) == config["sha256"]
    card = (READER_DIR / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert config["sha256"] in card


def test_relevance_separates_the_answer_from_other_sentences(reader: Reader) -> None:
    sentences = [
        "The council will invest £5.5m into over 130 new social care posts.",
        "The weather in Stoke-on-Trent was mild on Tuesday.",
    ]
    out = reader.read("how much was spent on new posts", sentences, ["", ""], ["", ""])
    assert all(0.0 <= r.relevance <= 1.0 for r in out)
    assert out[0].relevance > out[1].relevance
    a, b = out[0].span
    assert 0 <= a < b <= len(sentences[0]) and sentences[0][a:b].strip()


def test_spans_stay_inside_their_sentence(reader: Reader) -> None:
    rng = random.Random(7)
    words = "the council money £5.5m Eleanor Brazil review 130 posts Ofsted children who when how".split()
    for _ in range(30):
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(1, 90)))
        question = " ".join(rng.choice(words) for _ in range(rng.randint(1, 12)))
        (r,) = reader.read(question, [sentence], ["before " * rng.randint(0, 60)], ["after"])
        if r.span is not None:
            a, b = r.span
            assert 0 <= a < b <= len(sentence)


def test_best_span_is_ordered_and_short() -> None:
    import numpy as np

    start = np.array([0, 5, 0, 0, 9, 0], dtype=np.float32)
    end = np.array([0, 0, 0, 7, 0, 10], dtype=np.float32)
    i, j, _ = best_span(start, end, first=1, count=5, max_span=3)
    # relative to ``first``: start [5, 0, 0, 9, 0], end [0, 0, 7, 0, 10]; (3, 4) scores 19
    assert (i, j) == (3, 4)
    i, j, _ = best_span(start, end, first=1, count=3, max_span=3)
    assert (i, j) == (0, 2)
    assert best_span(start, end, first=1, count=0)[1] == -1


def test_inputs_hold_question_sentence_and_context() -> None:
    tok = load_tokenizer(READER_DIR / "tokenizer.json")
    p = encode_pairs(tok, "who leads the council", ["Cllr Abi Brown leads it."], ["A heading."], ["More."], 96)
    ids = p.ids[0][p.mask[0] > 0].tolist()
    assert ids[0] == 101 and ids.count(102) == 3
    sent = tok.decode(ids[p.first[0] : p.first[0] + p.count[0]])
    assert sent == "cllr abi brown leads it."
    long = encode_pairs(tok, "q " * 100, ["w " * 200], ["b " * 200], ["a " * 200], 96)
    assert long.ids.shape[1] == 96


def test_the_title_comes_first_in_the_context() -> None:
    tok = load_tokenizer(READER_DIR / "tokenizer.json")
    args = (tok, "who plays mary poppins", ["She watched Laura Michelle Kelly reprise the role."], ["Before."], ["After."], 96)
    plain, titled = encode_pairs(*args), encode_pairs(*args, titles=["Dame Julie pops in to see Poppins"])
    ids = titled.ids[0][titled.mask[0] > 0].tolist()
    context = ids[titled.first[0] + titled.count[0] + 1 :]
    cut = context.index(102)
    assert tok.decode(context[:cut]) == "before. after."
    assert tok.decode(context[cut + 1 : -1]) == "dame julie pops in to see poppins" and context[-1] == 102
    # the sentence sits where it did, so its spans' offsets are the same
    assert (titled.first, titled.count, titled.offsets) == (plain.first, plain.count, plain.offsets)
    assert encode_pairs(*args, titles=[""]).ids.tolist() == plain.ids.tolist()
    long = encode_pairs(tok, "q " * 100, ["w " * 200], ["b " * 200], ["a " * 200], 96, titles=["t " * 50])
    assert long.ids.shape[1] == 96


def test_a_document_title_is_its_heading_its_own_first_line_or_its_name(tmp_path: Path) -> None:
    _, index, _ = fake_index(tmp_path, {
        "news.txt": "Dame Julie pops in to see Poppins\n\nMary Poppins star Julie Andrews watched the show. "
                    "She watched Laura Michelle Kelly reprise the role.\n",
        "prose.txt": "This file starts with a sentence that runs on for far more words than any title would ever "
                     "hold. Then another one.\n",
        "guide.md": "# Installing qa\n\nRun make setup first.\n\n## Updating\n\nRun make lock to refresh pins.\n",
        # a README whose sections are all it has: "License" says nothing of what is licensed
        "dateparser.rst": "Installation\n============\n\nRun pip install dateparser.\n\n"
                          "License\n=======\n\nIt is released under the BSD license.\n",
        # a title with badges in its line, and badges before it
        "pool.md": "[![CI](https://ci.example/b.svg)](https://ci.example)\n\n"
                   "# Thread-pool Controls [![Build](https://ci.example/b.svg)](https://ci.example/x)\n\n"
                   "It limits the threads of native libraries.\n\n## Usage\n\nCall it first.\n",
    })

    def rows(source: str) -> range:
        return range(*index.files[index.by_source[source]].sentences)

    assert {title_of(index, s) for s in rows("news.txt")} == {"Dame Julie pops in to see Poppins"}
    assert {title_of(index, s) for s in rows("prose.txt")} == {""}
    assert {title_of(index, s) for s in rows("guide.md")} == {"Installing qa"}  # the outermost heading
    assert {title_of(index, s) for s in rows("dateparser.rst")} == {"dateparser"}  # the file's name
    assert {title_of(index, s) for s in rows("pool.md")} - {""} == {"Thread-pool Controls"}  # as shown


class _Recording:
    """The real reader, noting the sentences of each batch it is given and each one's title."""

    def __init__(self, reader: Reader, calls: list[list[str]]) -> None:
        self.reader, self.calls, self.titles = reader, calls, {}

    def read(self, question, sentences, before, after, titles=None):
        self.calls.append(list(sentences))
        self.titles.update(zip(sentences, titles or ()))
        return self.reader.read(question, sentences, before, after, titles)

    def final_logits(self, *a):
        return self.reader.final_logits(*a)


def test_the_reader_reads_each_candidate_with_its_title_once(tmp_path: Path, reader: Reader) -> None:
    _, index, _ = fake_index(tmp_path, {
        "news.txt": "Dame Julie pops in to see Poppins\n\nMary Poppins star Julie Andrews watched the show. "
                    "It was her first time. She watched Laura Michelle Kelly reprise the role.\n",
    })
    recording = _Recording(reader, [])
    ids = np.arange(len(index.sentences))
    read = rescore(index, recording, "who plays mary poppins", ids, np.linspace(0.9, 0.1, len(ids)), top=10)
    assert read.read == len(ids) == 4
    # the title itself, and the sentence after it (whose context holds it already), get none
    assert [recording.titles[index.sentence_text(int(s))] for s in ids] == ["", "", *["Dame Julie pops in to see Poppins"] * 2]


@pytest.mark.parametrize("damage", ["missing", "truncated", "config"])
def test_a_missing_or_damaged_model_is_a_clear_error(tmp_path: Path, damage: str) -> None:
    folder = tmp_path / "reader_model"
    shutil.copytree(READER_DIR, folder)
    if damage == "missing":
        (folder / MODEL).unlink()
    elif damage == "truncated":
        data = (folder / MODEL).read_bytes()
        (folder / MODEL).write_bytes(data[: len(data) // 2])
    else:
        (folder / CONFIG).write_text("{not json", encoding="utf-8")
    with pytest.raises(ReaderError, match="reinstall qa"):
        Reader(folder)


def test_the_optimised_graph_is_cached_and_a_damaged_copy_replaced(tmp_path: Path, reader: Reader) -> None:
    args = ("how much was invested", ["The council invested £5.5m.", "It rained."], ["", ""], ["", ""])
    want = reader.read(*args)
    cache = tmp_path / "models"
    first = Reader(cache=cache)
    copies = list(cache.glob("reader-*.onnx"))
    assert len(copies) == 1 and copies[0].stat().st_size > 1_000_000 and not list(cache.glob("*.part"))
    assert Reader(cache=cache).read(*args) == first.read(*args) == want
    copies[0].write_bytes(b"not a graph")  # damaged: loaded from the shipped graph, written again
    assert Reader(cache=cache).read(*args) == want
    assert copies[0].stat().st_size > 1_000_000


def test_answers_carry_spans_inside_their_quote(sample_engine: Engine) -> None:
    result = sample_engine.ask(INVEST_Q)
    assert result.answered
    best = result.answers[0]
    assert "5.5m" in best.text and best.span is not None
    assert best.start <= best.span[0] < best.span[1] <= best.end
    assert "5.5m" in best.span_text
    as_json = best.to_json()["span"]
    text = sample_engine.index.doc_text(0) if sample_engine.index.files[0].source == best.source else None
    if text is not None:
        assert text[as_json["start"] : as_json["end"]] == as_json["text"]
    for q in ("who did the review", "how many posts were added", "who runs the council", "when was the inspection"):
        for a in sample_engine.ask(q).answers:
            if a.span is not None:
                assert a.start <= a.span[0] < a.span[1] <= a.end, (q, a)
                assert a.span_text == a.text[a.span[0] - a.start : a.span[1] - a.start]


def test_who_runs_it_is_answered_by_the_sentence_that_names_the_leader(sample_engine: Engine) -> None:
    """The issue's "who runs the council": the real reader, each candidate read with the question
    in its own role words (qa.roles), puts the council leader first, clear of the threshold."""
    for q in ("who runs the council", "who leads the council", "who's in charge of the council"):
        result = sample_engine.ask(q)
        assert result.answered, q
        best = result.answers[0]
        assert "Abi Brown" in (best.span_text or ""), (q, best.text, best.span_text)
        assert best.score > 2 * sample_engine.reader.threshold, (q, best.score)


def test_off_topic_questions_are_declined(sample_engine: Engine) -> None:
    for q in (UNANSWERABLE_Q, "what is the boiling point of mercury", "who won the 1966 world cup"):
        result = sample_engine.ask(q)
        assert not result.answered, (q, result.answers[0].text, result.answers[0].score)


def test_a_statement_is_ranked_by_the_features_and_still_gets_spans(sample_engine: Engine) -> None:
    """A claim is ranked as `--no-reader` ranks it (the reader, trained on questions, ranked
    SciFact's held-out claims worse), one answer a file first; the reader still marks the spans."""
    claim = "The council invested £5.5m in new social care posts."
    by_default = sample_engine.ask(claim)
    alone = sample_engine.ask(claim, params=AnswerParams(reader=False))
    assert [(a.source, a.start, a.score) for a in by_default.answers] == [(a.source, a.start, a.score) for a in alone.answers]
    assert "5.5m" in by_default.answers[0].text and by_default.answered
    assert len({a.source for a in by_default.answers}) == 2  # both files
    assert any(a.span is not None for a in by_default.answers)
    # asked as a question, the reader ranks: the scores differ
    asked = sample_engine.ask("how much did the council invest in new social care posts")
    assert [a.score for a in asked.answers] != [a.score for a in by_default.answers]


def test_the_query_path_never_imports_torch(sample_engine: Engine) -> None:
    code = (
        "import sys\n"
        "from embeddings.reader import Reader\n"
        "r = Reader().read('how much was invested', ['The council invested £5.5m.'], [''], [''])\n"
        "assert r[0].span is not None\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'transformers', 'sentence_transformers'))\n"
        "print(bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_seed_right_by_default_and_all_right_with_the_ranker_alone(sample_engine: Engine) -> None:
    """The product's own questions and follow-ups, right at the default settings (the reader ranks;
    all but d08, see test_quality) and all right with the feature ranker alone (`--no-reader`)."""
    shared = require_shared()
    qs = load_questions(shared / "eval" / "seed" / "questions.jsonl")
    fq = load_questions(shared / "eval" / "seed" / "followups.jsonl")
    assert AnswerParams().reader
    for params in (AnswerParams(), AnswerParams(reader=False)):
        m = score(qs, [sample_engine.ask_in_conversation(q.question, q.history, qid=q.id, params=params) for q in qs])
        allowed = SEED_WRONG_WITH_READER if params.reader else set()
        assert set(m.wrong) <= allowed and m.acc_at_1 >= 1 - len(allowed) / 8, (params.reader, m.wrong)
        assert m.abstained_on_unanswerable == 1.0 and m.false_abstain == 0.0, (params.reader, m.wrong)
        f = score(fq, [sample_engine.ask_in_conversation(q.question, q.history, qid=q.id, params=params) for q in fq])
        assert f.acc_at_1 == 1.0, (params.reader, f.wrong)
        # the ranker alone declines fd05 (its right answer scores under its threshold); the reader does not
        assert f.false_abstain == 0.0 or not params.reader, (params.reader, f.false_abstain)


def test_bbc_slice_keeps_its_accuracy(tmp_path: Path, real_embedder) -> None:
    require_shared()
    source = SHARED / "eval" / "bbc"
    qs = [json.loads(line) for line in (source / "questions.jsonl").read_text(encoding="utf-8").splitlines() if line]
    picked = [q for q in qs if not q.get("history")][:20] + [q for q in qs if q.get("unanswerable")][:5]
    needed = {s for q in picked for s in q.get("sources") or ()}
    others = sorted(p.relative_to(source / "corpus").as_posix() for p in (source / "corpus").rglob("*.txt"))
    rng = random.Random(11)
    files = sorted(needed | set(rng.sample([o for o in others if o not in needed], 150)))
    corpus = tmp_path / "corpus"
    for rel in files:
        (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / "corpus" / rel, corpus / rel)
    questions = tmp_path / "questions.jsonl"
    questions.write_text("".join(json.dumps(q) + "\n" for q in picked), encoding="utf-8")
    engine = Engine(corpus, tmp_path / "index", embedder_factory=lambda name: real_embedder)
    engine.build()
    loaded = load_questions(questions)
    m = score(loaded, [engine.ask(q.question, qid=q.id) for q in loaded])
    print("bbc slice", m.acc_at_1, m.acc_at_5, m.abstained_on_unanswerable, m.false_abstain)
    assert m.acc_at_1 >= BBC_SLICE_ACC1, (m.acc_at_1, m.wrong)
    assert m.abstained_on_unanswerable >= BBC_SLICE_ABSTAIN, m.abstained_on_unanswerable
    assert m.false_abstain <= BBC_SLICE_FALSE_ABSTAIN, (m.false_abstain, m.wrong)


def test_an_engine_reads_with_the_reader_it_is_given(tmp_path: Path) -> None:
    """`Engine(reader_dir=…)` (how bench/compare_readers.py puts a new reader beside the shipped
    one) loads that folder's reader, not the shipped one."""
    from qa.engine import Engine
    from qa.errors import QAError

    other = tmp_path / "other_reader"
    shutil.copytree(READER_DIR, other)
    config = json.loads((other / CONFIG).read_text(encoding="utf-8"))
    config["threshold"] = 0.37  # told apart from the shipped one by its own settings
    (other / CONFIG).write_text(json.dumps(config), encoding="utf-8")
    assert Engine(corpus=tmp_path, root=tmp_path / "index", reader_dir=other).reader.threshold == 0.37
    assert Engine(corpus=tmp_path, root=tmp_path / "index").reader.threshold != 0.37
    (other / MODEL).unlink()
    with pytest.raises(QAError, match="other_reader"):
        _ = Engine(corpus=tmp_path, root=tmp_path / "index", reader_dir=other).reader


def test_a_sentence_filed_twice_is_read_once_and_the_next_one_takes_its_slot(tmp_path: Path, reader: Reader) -> None:
    """A story in two files (the BBC corpus has such copies): its sentence is read once, both copies
    get that reading (each with its own file for the follow-up bonus), and the reading slot the copy
    would have taken goes to the next distinct sentence."""
    same = "The firm will invest 10bn pounds in a new network over five years."
    _, index, _ = fake_index(tmp_path, {
        "a.txt": f"{same} Prices fall by 8% in April.\n",
        "b.txt": f"{same} The regulator welcomed the plan.\n",
    })
    texts = [index.sentence_text(s) for s in range(len(index.sentences))]
    order = [texts.index(same), len(texts) - 1 - texts[::-1].index(same)]  # the two copies first
    order += [s for s in range(len(texts)) if s not in order]
    ids = np.array(order)
    calls: list[list[str]] = []
    recording = _Recording(reader, calls)

    base = np.array([0.9, 0.9, *np.linspace(0.7, 0.5, len(ids) - 2)])  # the copies alike to the ranker
    read = rescore(index, recording, "how much will the firm invest", ids, base, top=2)
    assert len(calls) == 1 and len(calls[0]) == 2  # two reading slots
    assert calls[0][0] == same and calls[0][1] != same  # the copy gave its slot to the next sentence
    assert read.scores[0] == read.scores[1]  # one reading for both copies
    assert min(read.scores[:3]) > max(read.scores[3:])  # the unread rank below every read one
    # the short answer in each copy, at that copy's own place in its file
    (a0, b0), (a1, b1) = read.spans[int(ids[0])], read.spans[int(ids[1])]
    for row, (a, b) in ((int(ids[0]), (a0, b0)), (int(ids[1]), (a1, b1))):
        assert int(index.sentences[row, 1]) <= a < b <= int(index.sentences[row, 2])
    assert b0 - a0 == b1 - a1
    first = rescore(index, recording, "how much will the firm invest", ids, base, top=2, file_bonus={int(index.sentences[ids[1], 0]): 1.0})
    assert first.scores[1] > first.scores[0]  # the follow-up bonus goes to the copy in the preferred file



def test_a_readme_is_read_as_its_page_shows_it(tmp_path: Path, reader: Reader) -> None:
    """A badge row shows no words: it takes no reading slot. A sentence with links is read as its
    link texts, and its short answer is cited in the file's own characters."""
    badges = "[![Downloads](https://static.pepy.tech/badge/tqdm/month)](https://pepy.tech/project/tqdm)"
    credit = "The GPU version was written by [Jeff Johnson](https://github.com/wickedfoo/faiss-gpu-notes)."
    _, index, _ = fake_index(tmp_path, {"README.md": f"# faiss\n\n{badges}\n\n{credit}\n\nIt runs on Linux and macOS.\n"})
    texts = [index.sentence_text(s) for s in range(len(index.sentences))]
    ids = np.array([texts.index(badges), texts.index(credit), *(i for i, t in enumerate(texts) if t not in (badges, credit))])
    calls: list[list[str]] = []
    recording = _Recording(reader, calls)

    base = np.linspace(0.9, 0.5, len(ids))  # the badge row first to the ranker
    read = rescore(index, recording, "who wrote the gpu version", ids, base, top=1)
    assert calls == [["The GPU version was written by Jeff Johnson."]]  # the credit, as the page shows it
    assert read.scores[1] > read.scores[0]
    a, b = read.spans[int(ids[1])]
    assert index.doc_text(0)[a:b] == "Jeff Johnson"


def test_who_wrote_a_piece_is_answered_from_its_byline(sample_engine: Engine) -> None:
    """The reader alone rates the byline ("By Nicola Beach | 05 February 2026") below the
    teaser that quotes her (and under the threshold): the bylines of the candidates' files are
    read too, and credited, where a question asks who wrote a piece or when it was published."""
    res = sample_engine.ask("who wrote about suffolk")
    assert res.answered and res.answers[0].text == "By Nicola Beach | 05 February 2026"
    assert res.answers[0].span_text == "Nicola Beach"
    without = sample_engine.ask("who wrote about suffolk", params=AnswerParams(credit_bonus=0.0))
    assert not without.answered or without.answers[0].text != res.answers[0].text
    when = sample_engine.ask("when was the stoke article published")
    assert when.answered and when.answers[0].text == "William Eichler 01 November 2019"


def test_a_pages_own_byline_beats_a_quoted_speaker(sample_engine: Engine) -> None:
    """"who wrote the stoke article": the reader alone rates the page's byline near -5, under
    "Cllr Abi Brown, leader of Stoke-on-Trent City Council …, said: …"; a credit gains 3, where
    1 left it second."""
    res = sample_engine.ask("who wrote the stoke article")
    assert res.answered and res.answers[0].text == "William Eichler 01 November 2019"
    assert res.answers[0].span_text == "William Eichler"
    weak = sample_engine.ask("who wrote the stoke article", params=AnswerParams(credit_bonus=1.0))
    assert weak.answers[0].text != res.answers[0].text


def test_who_wrote_the_piece_itself_is_its_own_byline_not_a_listed_ones(sample_engine: Engine) -> None:
    """"who wrote the story", "when was the article published": the page's own byline (by its
    headline), not those of the other pieces the second page lists further down ("By Cllr Carl
    Jackson | 09 February 2026"); "who wrote about suffolk": the listed piece about Suffolk."""
    story = sample_engine.ask("who wrote the story")
    assert story.answered and story.answers[0].text == "William Eichler 01 November 2019"
    published = sample_engine.ask("when was the article published")
    assert published.answered and published.answers[0].text == "William Eichler 01 November 2019"
    suffolk = sample_engine.ask("who wrote about suffolk")
    assert suffolk.answered and suffolk.answers[0].text.startswith("By Nicola Beach")


def test_when_a_piece_came_out_is_its_byline_where_no_byline_has_the_questions_words(sample_engine: Engine) -> None:
    """"when did the piece on the stoke deadline come out": the article never says "deadline"
    (it gives "three months"), so no byline's piece is about the rarest word asked; its date is
    in a byline only, so the best file's own byline is read (it was declined, at 0.02)."""
    res = sample_engine.ask("when did the piece on the stoke deadline come out")
    assert res.answered and res.answers[0].text == "William Eichler 01 November 2019"


def test_a_person_does_not_answer_which_body(sample_engine: Engine) -> None:
    """"which council did they end up partnering with": the pages never say; the reader's best
    is a councillor ("Council leader, Cllr Abi Brown"), declined as naming a person, not a
    council. A council that is named answers."""
    res = sample_engine.ask("which council did they end up partnering with")
    assert not res.answered and res.lacks == "body" and res.answers
    assert res.why_declined() == "The best passage names no other body of the kind asked about."
    hiring = sample_engine.ask("which council is hiring a property lawyer")
    assert hiring.answered and "Brent Council" in hiring.answers[0].text
    # nor by the council the question names itself
    own = sample_engine.ask("which council ended up partnering with stoke")
    assert not own.answered and own.lacks == "body"


def test_when_a_listed_piece_went_up_is_its_bylines_date(sample_engine: Engine) -> None:
    """"when was that put up" after "who wrote the wandsworth outcomes per pound piece": what the
    piece is about is in the question it follows, so its byline, not the page's own, answers."""
    res = sample_engine.ask_in_conversation("when was that put up", history=["who wrote the wandsworth outcomes per pound piece"])
    assert res.answered and res.answers[0].text.startswith("By Andrew Travers | 05 February 2026")
    out = sample_engine.ask("what date did the stoke article come out")
    assert out.answered and out.answers[0].text == "William Eichler 01 November 2019"


def test_who_wrote_a_thing_the_piece_tells_of_is_not_its_byline(sample_engine: Engine) -> None:
    """"who wrote the review" asks for whoever did the review, whom the piece names: no byline
    answers it, nor "when was the review published"."""
    for question in ("who wrote the review", "when was the review published"):
        res = sample_engine.ask(question)
        assert not is_byline(res.answers[0].text), (question, res.answers[0].text)
    assert "Eleanor Brazil" in sample_engine.ask("who wrote the review").answers[0].text


def test_who_maintains_a_project_is_answered_from_its_credits(tmp_path: Path, reader: Reader) -> None:
    """A README names its maintainer under a heading, on a line the reader alone does not take
    for an answer to "who maintains …": the credit lines of the candidates' files are read too,
    and credited (``qa.credits``)."""
    _, index, fake = fake_index(tmp_path, {"dtparse.md": (
        "# dtparse\n\ndtparse parses dates written in many languages.\n\n"
        "## Install\n\nRun pip install dtparse to get the latest release.\n\n"
        "## Usage\n\nCall dtparse.parse with a string and it returns a datetime. The project is maintained on GitHub.\n\n"
        "## Maintainer\n\n- Ada Lovelace, ada@example.org\n"
    )})
    res = answer(index, fake, "who maintains dtparse", AnswerParams(), reader=reader)
    assert res.answered and res.answers[0].text == "- Ada Lovelace, ada@example.org"
    assert res.answers[0].span_text == "Ada Lovelace"
    alone = answer(index, fake, "who maintains dtparse", AnswerParams(credit_bonus=0.0), reader=reader)
    assert alone.answers[0].text != res.answers[0].text or alone.answers[0].score < res.answers[0].score


def test_a_byline_answers_no_other_question(sample_engine: Engine) -> None:
    """The reader alone puts a byline first for "what's the pilot in bucks about"; a byline says
    only who wrote a piece and when, so for any other question it loses what a credit gains."""
    question = "what's the pilot in bucks about"
    res = sample_engine.ask(question, k=10)
    alone = sample_engine.ask(question, k=10, params=AnswerParams(credit_bonus=0.0))
    byline = "By Cllr Carl Jackson | 09 February 2026"
    score = {r: next(a.score for a in r.answers if a.text == byline) for r in (res, alone)}
    assert score[res] < score[alone]
    assert not res.answers[0].text.startswith("By ") and "pilot in Buckinghamshire" in res.answers[0].text


def test_a_mistyped_name_is_read_as_the_corpus_spells_it(sample_engine: Engine) -> None:
    """"gavin willamson": the reader alone, given the typo, scores the deadline's sentence a
    seventh of what it scores spelt right; read as "williamson" it answers as for that."""
    typed = sample_engine.ask("what deadline did gavin willamson set")
    right = sample_engine.ask("what deadline did gavin williamson set")
    assert typed.read_as == "what deadline did gavin williamson set" and right.read_as is None
    assert typed.answered and typed.answers[0].text == right.answers[0].text
    assert typed.answers[0].span_text == "31 January 2020"
    as_typed = sample_engine.ask("what deadline did gavin willamson set", params=AnswerParams(spelling=False))
    assert as_typed.answers[0].score < typed.answers[0].score / 2


def test_how_to_install_a_package_is_its_install_command(tmp_path: Path, real_embedder) -> None:
    """"how do i install rich" over rich's own README (as pip installed it): its install command,
    not "Rich can be installed in the Python REPL, …" (which the reader alone put first among the
    twenty READMEs of `bench/docs_corpus.py`, where the credit was measured)."""
    from importlib.metadata import metadata

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "rich.md").write_text(metadata("rich")["Description"] or metadata("rich").get_payload(), encoding="utf-8")
    engine = Engine(corpus, tmp_path / "index", embedder_factory=lambda name: real_embedder)
    engine.build()
    res = engine.ask("how do i install rich")
    assert res.answered and "pip install rich" in res.answers[0].text
    assert "pip install rich" in engine.ask("how do i install rich from pip").answers[0].text
    assert "pip install" not in engine.ask("how do i install rich with conda").answers[0].text  # no conda line
