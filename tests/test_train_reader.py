"""The reader's training script can continue from the model the package ships (its int8 ONNX graph)."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import ROOT

from embeddings.reader import READER_DIR, Reader, encode_pairs

pytestmark = pytest.mark.integration


def test_weights_from_the_shipped_onnx_give_the_shipped_readings() -> None:
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "bench"))
    import train_reader

    reader = Reader()
    net, _ = train_reader.build_model(int(reader.config["layers"]))
    before = {k: v.clone() for k, v in net.state_dict().items()}
    train_reader.weights_from_onnx(net, READER_DIR / "reader.onnx")
    after = net.state_dict()
    # every trained weight came from the graph; the frozen word embeddings stay the base model's
    changed = {k for k in after if not torch.equal(after[k], before[k])}
    assert changed == set(after) - {"bert.embeddings.word_embeddings.weight"}

    net.eval()
    question = "how much did the council invest in social care"
    sentences = ["The council invested £5.5m in 130 new social care posts.", "The weather was fine on Monday.",
                 "Cllr Abi Brown leads the council."]
    pairs = encode_pairs(reader.tokenizer, question, sentences, [""] * 3, [""] * 3, reader.max_len)
    shipped = reader.session.run(None, {"input_ids": pairs.ids, "attention_mask": pairs.mask, "token_type_ids": pairs.types})
    with torch.no_grad():
        rel, start, end = net(*(torch.as_tensor(a) for a in (pairs.ids, pairs.mask, pairs.types)))
    # the int8 graph quantises its activations too (into the fused attention as well): close, not
    # equal (up to about a logit, on sentences far below the threshold); the same order and spans
    assert np.allclose(rel.numpy(), shipped[0], atol=1.0), (rel, shipped[0])
    assert list(np.argsort(-rel.numpy())) == list(np.argsort(-shipped[0]))
    for i in range(len(sentences)):
        lo, hi = int(pairs.first[i]), int(pairs.first[i] + pairs.count[i])
        for ours, theirs in ((start, shipped[1]), (end, shipped[2])):
            assert np.corrcoef(ours[i, lo:hi].numpy(), theirs[i, lo:hi])[0, 1] > 0.97
    # the answer's span is the same ("£5.5m"): near-ties elsewhere may break either way
    lo, hi = int(pairs.first[0]), int(pairs.first[0] + pairs.count[0])
    assert int(start[0, lo:hi].argmax()) == int(shipped[1][0, lo:hi].argmax())
    assert int(end[0, lo:hi].argmax()) == int(shipped[2][0, lo:hi].argmax())


def test_a_question_read_without_its_answer_targets_none() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import train_reader

    rec = {"q": "how much was spent", "unanswerable": False}
    group = [{"text": "It cost £5.5m.", "pos": True}, {"text": "The council met.", "pos": False},
             {"text": "It was about £5.5m in all.", "pos": True}]
    asked, read = train_reader.without_answer(rec, group)
    assert asked["unanswerable"] and asked["q"] == rec["q"]
    assert [c["text"] for c in read] == ["The council met."]
    assert rec["unanswerable"] is False and len(group) == 3  # the mined record is left as it was


def test_hard_negatives_ordered_by_the_reader_come_from_its_best_scored(tmp_path) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import json
    import random
    from types import SimpleNamespace

    import train_reader

    def cand(text: str, pos: bool = False, kind: str = "top") -> dict:
        return {"text": text, "before": "", "after": "", "old": 0.5, "kind": kind, "pos": pos, "span": None}

    wrong = ["The weather was fine on Monday.", "Cllr Abi Brown leads the council.", "The match ended in a draw.",
             "The council spent £2m on roads last year.", "Schools reopen in September."]
    rec = {"id": "1", "q": "how much did the council invest in social care", "source": "not-a-validation-article.txt",
           "unanswerable": False, "answers": ["£5.5m"],
           "cands": [cand(t) for t in wrong] + [cand("The council invested £5.5m in social care.", pos=True),
                                                cand("Buses run late.", kind="random")]}
    data = tmp_path / "data.jsonl"
    data.write_text(json.dumps(rec) + "\n", encoding="utf-8")
    args = SimpleNamespace(work=tmp_path, reader_negatives=READER_DIR, titles=False)
    out = json.loads(train_reader.order_by_reader(args, data).read_text(encoding="utf-8"))
    tops = [c for c in out["cands"] if c["kind"] == "top"]
    reader = Reader()
    raw = [r.logit for r in reader.read(rec["q"], [c["text"] for c in tops], [""] * len(tops), [""] * len(tops))]
    assert raw == sorted(raw, reverse=True)  # best-scored first
    assert out["by_reader"] and sorted(c["text"] for c in out["cands"]) == sorted(c["text"] for c in rec["cands"])
    # the reader's two best-scored wrong sentences are the pool for one hard negative (2 x hard)
    neg_tops = [c["text"] for c in tops if not c["pos"]]
    picked = {c["text"] for seed in range(20)
              for c in train_reader._group(out, random.Random(seed), hard=1, rand=0) if not c["pos"]}
    assert picked == set(neg_tops[:2])


def _record(i: int, val: bool = False) -> dict:
    answer = f"{100 + i} posts"
    cands = [{"text": f"The council added {answer} last year.", "before": "It met on Monday.", "after": "", "old": 0.4,
              "kind": "top", "pos": True, "span": [18, 18 + len(answer)]}]
    cands += [{"text": f"Sentence {j} of article {i} says something else.", "before": "", "after": "", "old": 0.1,
               "kind": "top" if j < 3 else "random", "pos": False, "span": None} for j in range(5)]
    return {"id": f"q{i}", "q": "how many posts were added", "orig": "How many posts were added?", "corpus": "sample",
            "source": f"article{i % 3}.txt", "val": val, "unanswerable": False, "answers": [answer], "cands": cands}


def test_a_run_elsewhere_trains_from_a_pack_and_comes_back_in_parts(tmp_path, monkeypatch) -> None:
    """What a GPU machine is given (no ../shared, no installed model package) and what comes back."""
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "bench"))
    import json
    import lzma

    import train_reader

    data = tmp_path / "data.jsonl"
    data.write_text("".join(json.dumps(_record(i)) + "\n" for i in range(8)), encoding="utf-8")
    pack = train_reader.pack(data, tmp_path / "pack")
    with lzma.open(pack / "data.jsonl.xz", "rt", encoding="utf-8") as fh:
        assert [json.loads(line)["id"] for line in fh] == [f"q{i}" for i in range(8)]
    assert (pack / "base" / "model.safetensors").is_file() and (pack / "base" / "tokenizer.json").is_file()
    # the frozen word embeddings travel as int8 rows (the pack must fit a run's 64 MiB) and load as such
    packed, _ = train_reader.build_model(1, pack / "base")
    real, _ = train_reader.build_model(1)
    words, want = packed.state_dict()[train_reader.FROZEN], real.state_dict()[train_reader.FROZEN]
    step = want.abs().amax(dim=1, keepdim=True) / 127
    assert not torch.equal(words, want) and bool(((words - want).abs() <= step * 0.51 + 1e-4).all())

    # there: no ../shared beside the repository, so the records keep the split they were packed with
    monkeypatch.setattr(train_reader, "SHARED", tmp_path / "no-shared")
    recs = train_reader._load_split(pack / "data.jsonl.xz")
    assert len(recs) == 8 and not any(r["val"] for r in recs)

    def run(name: str, *options: str) -> Path:
        """A 1-layer CPU training run from the pack in tmp_path/name, with these options: its final.pt."""
        args = train_reader.parser().parse_args([
            "--stage", "train", "--device", "cpu", "--data", str(pack / "data.jsonl.xz"), "--base", str(pack / "base"),
            "--work", str(tmp_path / name), "--layers", "1", "--questions-per-step", "2", "--threads", "1", *options])
        args.work.mkdir()
        return train_reader.train(args, args.data)

    final = run("work", "--minutes", "0.01")
    trained = torch.load(final, weights_only=False)
    assert trained["state"]["step"] == 60 and trained["state"]["device"] == "cpu"

    # a hard stop: a lent machine's time ends the run where it is, the schedule cut there
    state = torch.load(run("stopped", "--minutes", "5", "--stop-minutes", "1e-9"), weights_only=False)["state"]
    assert state["step"] == state["total"] == 1

    # so many epochs, whatever the speed: 8 questions, 2 a step, 16.5 epochs
    state = torch.load(run("epochs", "--minutes", "0.01", "--epochs", "16.5"), weights_only=False)["state"]
    assert state["step"] == state["total"] == 66 and state["args"]["epochs"] == 16.5

    # a fixed seed trains the same weights again; another --seed (a second run of a recipe) others
    def weights(name: str, *options: str) -> dict:
        return torch.load(run(name, "--epochs", "1", *options), weights_only=False)["model"]

    first, again, other = weights("seed-a"), weights("seed-b"), weights("seed-c", "--seed", "7")
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not all(torch.equal(first[k], other[k]) for k in first if k != train_reader.FROZEN)

    # back: cut into files small enough to return, then whole again here with the base's own embeddings
    monkeypatch.setattr(train_reader, "PART_BYTES", 2**20)
    parts = train_reader.save_parts(final, tmp_path / "back")
    assert len(parts) > 1 and all(p.stat().st_size <= 2**20 for p in parts)
    joined = torch.load(train_reader.join_parts(tmp_path / "back", tmp_path / "joined.pt"), weights_only=False)
    assert joined["layers"] == 1 and joined["state"]["step"] == 60
    base, _ = train_reader.build_model(1)
    for key, value in trained["model"].items():
        if key == train_reader.FROZEN:
            assert torch.equal(joined["model"][key], base.state_dict()[key])
        else:  # fp16 on the way back
            assert torch.allclose(joined["model"][key], value, atol=2e-3, rtol=1e-3), key


def test_a_deeper_reader_starts_from_a_shallower_one_and_the_base_for_the_rest(tmp_path) -> None:
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "bench"))
    import train_reader

    small, _ = train_reader.build_model(2)
    with torch.no_grad():
        for p in small.parameters():
            p.add_(0.01)  # "trained": unlike the base anywhere
    torch.save({"model": small.state_dict(), "layers": 2}, tmp_path / "final.pt")
    deep, _ = train_reader.build_model(3)
    base = {k: v.clone() for k, v in deep.state_dict().items()}
    train_reader.load_init(deep, tmp_path / "final.pt")
    got, trained = deep.state_dict(), small.state_dict()
    for key, value in got.items():
        if key.startswith("bert.encoder.layer.2."):
            assert torch.equal(value, base[key]), key  # the layer the small one lacks: the base's
        else:
            assert torch.equal(value, trained[key]), key

    # a checkpoint that is not a shallower reader of the same shape is refused, not half-loaded
    wrong = dict(trained, **{"extra.weight": torch.zeros(1)})
    torch.save({"model": wrong, "layers": 2}, tmp_path / "wrong.pt")
    with pytest.raises(SystemExit, match="does not fit"):
        train_reader.load_init(deep, tmp_path / "wrong.pt")


def test_bf16_autocast_is_chosen_as_asked() -> None:
    torch = pytest.importorskip("torch")
    sys.path.insert(0, str(ROOT / "bench"))
    import train_reader

    cpu = torch.device("cpu")
    assert train_reader._bf16("on", cpu) is True
    assert train_reader._bf16("off", cpu) is False
    assert train_reader._bf16("auto", torch.device("cuda")) is True
    assert isinstance(train_reader._bf16("auto", cpu), bool)


def test_claims_are_split_by_abstract_and_never_rewritten(tmp_path, monkeypatch) -> None:
    """``--claims``: SciFact's claims are held out by abstract (a claim and its negation share one,
    so they fall on the same side), and a claim is asked as written, never rewritten as a chat
    question (its words are what ties it to the abstract)."""
    import json
    import random

    sys.path.insert(0, str(ROOT / "bench"))
    import train_reader

    claims = [{"id": str(i), "question": f"claim {i}", "sources": [f"{i // 2:03}.txt"]} for i in range(40)]
    monkeypatch.setattr(train_reader, "load_claims", lambda: claims)
    held = train_reader.validation_claim_files()
    assert held == {f"{i:03}.txt" for i in range(0, 20, 5)}
    data = tmp_path / "claims.jsonl"
    data.write_text("".join(json.dumps({"id": c["id"], "q": c["question"], "orig": c["question"], "corpus": "scifact",
                                        "source": c["sources"][0], "rewrite": False, "unanswerable": False, "answers": [],
                                        "cands": [{"text": "a sentence", "pos": True}]}) + "\n" for c in claims))
    if not (train_reader.SHARED / "eval" / "squad11-dev" / "corpus").is_dir():
        pytest.skip("the split is applied where ../shared is beside the repository")
    recs = train_reader._load_split(data)
    assert [r["id"] for r in recs if r["val"]] == [str(i) for i in range(40) if i // 2 % 5 == 0]
    rng = random.Random(0)
    train = [r for r in recs if not r["val"]]
    assert all(train_reader.training_question(r, rng, augment=1.0) == r["q"] for r in train)
    squad = dict(train[0], rewrite=True, orig="What is the Tallest Building in Town?", val=False)
    assert any(train_reader.training_question(squad, rng, augment=1.0) != squad["orig"] for _ in range(20))


def test_the_fused_export_loads_back_weight_for_weight(tmp_path) -> None:
    torch = pytest.importorskip("torch")
    onnx = pytest.importorskip("onnx")
    sys.path.insert(0, str(ROOT / "bench"))
    import train_reader

    net, _ = train_reader.build_model(1)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():  # weights of its own, so that loading the base model's back would show
        for name, p in net.named_parameters():
            if name != "bert.embeddings.word_embeddings.weight":
                p.add_(torch.randn(p.shape, generator=gen) * 0.05)
    fp32, int8 = tmp_path / "fp32.onnx", tmp_path / "int8.onnx"
    train_reader.write_onnx(net, fp32, int8)
    ops = {n.op_type for n in onnx.load(str(int8)).graph.node}
    assert "QAttention" in ops and "MatMulInteger" in ops  # attention fused, then quantised
    assert "Attention" in {n.op_type for n in onnx.load(str(fp32)).graph.node}
    want = net.state_dict()
    for graph in (fp32, int8):
        back, _ = train_reader.build_model(1)
        train_reader.weights_from_onnx(back, graph)
        got = back.state_dict()
        for key in want:
            if key == "bert.embeddings.word_embeddings.weight":
                continue
            # int8 weights are within one quantisation step (a tensor's range over 255) of their own;
            # query, key and value are quantised as one packed tensor, so over the three's range
            form = re.sub(r"\.self\.(query|key|value)\.weight$", ".self.{}.weight", key)
            packed = [form.format(p) for p in ("query", "key", "value")] if form != key else [key]
            top = max(float(want[k].abs().max()) for k in packed)
            step = 1e-6 if graph == fp32 or got[key].ndim == 1 else top * 2 / 255
            # query, key and value come back each in its place out of the packed weight
            assert torch.allclose(got[key], want[key], atol=step), (graph.name, key)


def test_with_titles_training_reads_what_qa_reads_at_run_time(tmp_path) -> None:
    import json

    from conftest import fake_index

    from embeddings.reader import load_tokenizer
    from qa.reading import read_title

    sys.path.insert(0, str(ROOT / "bench"))
    import train_reader

    _, index, _ = fake_index(tmp_path, {"news.txt": "Dame Julie pops in to see Poppins\n\nJulie Andrews watched the "
                                                    "show. It was her first time. She watched Kelly reprise the role.\n"})
    cands = [train_reader._candidate(index, s, None, "top", s == 3, None) for s in range(len(index.sentences))]
    # mined with the title qa gives the reader: none for the title and the sentence after it
    assert [c["title"] for c in cands] == [read_title(index, s) for s in range(4)] == ["", "", *["Dame Julie pops in to see Poppins"] * 2]
    tok = load_tokenizer(READER_DIR / "tokenizer.json")
    rec = {"q": "who plays mary poppins"}
    plain = train_reader._batch(tok, [rec], [cands], 96)
    titled = train_reader._batch(tok, [rec], [cands], 96, titles=True)
    def read(b, i):
        return b["ids"][i][b["mask"][i] > 0].tolist()

    last = read(titled, 3)
    seps = [j for j, t in enumerate(last) if t == 102]
    assert tok.decode(last[seps[-2] + 1 : -1]) == "dame julie pops in to see poppins"
    assert read(titled, 0) == read(plain, 0)  # no title: the input is as before
    w = plain["ids"].shape[1]  # the sentence and its span targets sit where they did
    assert (titled["start"] == plain["start"]).all() and (titled["span_mask"][:, :w] == plain["span_mask"]).all()
    # data mined before titles is told apart, so that --titles does not train on empty ones
    old = tmp_path / "old.jsonl"
    old.write_text(json.dumps({"cands": [{k: v for k, v in cands[0].items() if k != "title"}]}) + "\n", encoding="utf-8")
    new = tmp_path / "new.jsonl"
    new.write_text(json.dumps({"cands": cands}) + "\n", encoding="utf-8")
    assert not train_reader.has_titles(old) and train_reader.has_titles(new)


def test_a_question_about_another_name_is_read_with_the_sentence_that_answered_it() -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import random

    import train_reader

    def cand(text: str, pos: bool = False) -> dict:
        return {"text": text, "before": "", "after": "", "old": 0.5, "kind": "top", "pos": pos, "span": [0, 4] if pos else None}

    rec = {"q": "what role did beyonce have in destiny's child", "source": "Beyonce.txt", "unanswerable": False,
           "cands": [cand("The group was managed by her father."),
                     cand("Beyonce rose to fame as lead singer of Destiny's Child.", pos=True),
                     cand("She released a solo album in 2003.")]}
    other = {"q": "when was the ming dynasty founded", "orig": "When was the Ming dynasty founded?", "source": "Ming.txt"}
    swapped = train_reader.swapped_subject(rec, other)
    # the name the answer sentence shares ("destiny's child", the longest) is swapped for the other's
    assert swapped["q"] == "what role did beyonce have in ming"
    assert swapped["unanswerable"] and not any(c["pos"] for c in swapped["cands"])
    assert rec["cands"][1]["pos"] and rec["unanswerable"] is False  # the mined record is left as it was
    # read with the sentence that answered the original, whatever else the group draws: target none
    for seed in range(5):
        group = train_reader._group(swapped, random.Random(seed), hard=1, rand=0)
        assert group[0]["text"].startswith("Beyonce rose") and not any(c["pos"] for c in group)
    # nothing to swap: a name the candidates use already, or no name shared with the answer
    assert train_reader.swapped_subject(rec, dict(other, orig="What did Beyonce sing?")) is None
    assert train_reader.swapped_subject(dict(rec, q="what role did she have"), other) is None


def test_the_card_of_a_reader_trained_elsewhere_gives_the_recipe_it_was_trained_with() -> None:
    """Exported here from weights trained on a GPU: the card's recipe is the training run's options
    (kept in the weights' state), not the export command's defaults."""
    sys.path.insert(0, str(ROOT / "bench"))
    import train_reader

    here = train_reader.parser().parse_args(["--stage", "export", "--titles", "--val-questions", "50"])
    state = {"args": {"layers": 6, "swap_subject": 0.15, "questions_per_step": 32, "init": None, "titles": True}}
    recipe = train_reader.recipe_of(here, state)
    assert (recipe.layers, recipe.swap_subject, recipe.questions_per_step) == (6, 0.15, 32)
    assert recipe.val_questions == 50  # export's own options stay
    assert train_reader.recipe_of(here, {"args": {"init": "r.onnx"}}).init == Path("r.onnx")
    assert "another article's question" in train_reader._more(recipe)
    assert "--swap-subject 0.15" in train_reader._flags(recipe)
    assert train_reader.recipe_of(here, {}).layers == here.layers  # weights trained before the recipe was kept
    assert "lent GPU" in train_reader._elsewhere({"trained_on": "a GPU (cuda), bf16 autocast"})
    assert train_reader._elsewhere({"trained_on": "2 CPU cores"}) == train_reader._elsewhere({}) == ""


def test_a_second_seed_is_a_recipe_option_the_card_names() -> None:
    """``--seed`` (a second training run of the same recipe): kept in the recipe, given in the card's
    command and its seed line; the default is the fixed one and is not repeated as a flag."""
    sys.path.insert(0, str(ROOT / "bench"))
    import train_reader

    here = train_reader.parser().parse_args(["--stage", "export"])
    assert here.seed == train_reader.SEED
    assert "--seed" not in train_reader._flags(here)
    recipe = train_reader.recipe_of(here, {"args": {"seed": 7, "layers": 6}})
    assert recipe.seed == 7 and " --seed 7" in train_reader._flags(recipe)
    assert "seed" in train_reader.RECIPE
    config = json.loads((ROOT / "embeddings" / "reader_model" / "reader.json").read_text(encoding="utf-8"))
    assert "seed 7." in train_reader.model_card(recipe, config)
    assert f"seed {train_reader.SEED}." in train_reader.model_card(here, config)

