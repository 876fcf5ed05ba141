"""Classic baselines for issue #19, on the same splits as offgrid's search (see README.md beside this file).

    /usr/bin/python3 bench/automl/baselines/sklearn_baselines.py splits --out /tmp/offgrid-baselines [--repeats 2 --folds 5 --text-folds 3]
    /usr/bin/python3 bench/automl/baselines/sklearn_baselines.py run --splits /tmp/offgrid-baselines --cpu-seconds 40 --text-cpu-seconds 80

`splits` writes every fold once as CSV files offgrid reads (`train.csv`, `test.csv`: raw feature columns + `label`,
or `label,text`); `run` reads the same files back, so both sides see exactly the same rows. Debian's interpreter
(/usr/bin/python3) and Debian's python3-sklearn; nothing is downloaded.
"""
import argparse
import csv
import gzip
import json
import os
import random
import subprocess
import time
from pathlib import Path

# Single-threaded, like one of offgrid's trial workers: the CPU time below is then also the wall time.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC, LinearSVC  # noqa: E402

SKLEARN_DATA = Path("/usr/lib/python3/dist-packages/sklearn/datasets/data")
FORTUNES = Path("/usr/share/games/fortunes")
FORTUNE_CATEGORIES = ["computers", "food", "law", "love", "medicine", "sports"]
# Debian archive sections whose packages' one-line descriptions are the second text corpus (README: why these).
DEBIAN_SECTIONS = ["database", "games", "graphics", "mail", "science", "sound"]
PER_SECTION = 200


# --- data ---------------------------------------------------------------------------------------------------------

def sklearn_csv(file):
    """sklearn's bundled CSVs: first line = counts and class names, label in the last column."""
    with open(SKLEARN_DATA / file) as f:
        header = f.readline().strip().split(",")
        rows = np.loadtxt(f, delimiter=",")
    names = header[2:]
    return rows[:, :-1], [names[int(t)] for t in rows[:, -1]]


def digits():
    with gzip.open(SKLEARN_DATA / "digits.csv.gz", "rt") as f:
        rows = np.loadtxt(f, delimiter=",")
    return rows[:, :-1], [str(int(t)) for t in rows[:, -1]]


TABLES = {
    "iris": lambda: sklearn_csv("iris.csv"),
    "wine": lambda: sklearn_csv("wine_data.csv"),
    "breast-cancer": lambda: sklearn_csv("breast_cancer.csv"),
    "digits": digits,
}


def one_line(text):
    # offgrid's CSV reader takes one line per row; both sides read the same flattened text.
    return " ".join(text.split())


def fortunes():
    texts, labels = [], []
    for category in FORTUNE_CATEGORIES:
        raw = (FORTUNES / category).read_text(encoding="latin-1")
        for quote in raw.split("\n%\n"):
            quote = one_line(quote.strip().strip("%"))
            if len(quote) > 10:
                texts.append(quote)
                labels.append(category)
    return texts, labels


def debian_descriptions():
    """Short descriptions of Debian 12 packages, labelled by archive section; exact duplicates dropped."""
    dump = subprocess.run(["apt-cache", "dumpavail"], capture_output=True, text=True, check=True).stdout
    by_section = {s: {} for s in DEBIAN_SECTIONS}
    for stanza in dump.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in stanza.splitlines() if ": " in line and not line.startswith(" "))
        section, description = fields.get("Section", ""), fields.get("Description", "")
        if section in by_section and description and "transitional" not in description.lower():
            by_section[section].setdefault(description.strip(), fields["Package"])
    rng = random.Random(19)
    texts, labels = [], []
    for section in DEBIAN_SECTIONS:
        descriptions = sorted(by_section[section])
        rng.shuffle(descriptions)
        for d in descriptions[:PER_SECTION]:
            texts.append(one_line(d))
            labels.append(section)
    return texts, labels


TEXTS = {"fortunes": fortunes, "debian-descriptions": debian_descriptions}


def write_splits(out, repeats, folds, text_folds):
    out = Path(out)
    for name, load in TABLES.items():
        x, y = load()
        header = [f"f{j}" for j in range(x.shape[1])] + ["label"]
        splitter = RepeatedStratifiedKFold(n_splits=folds, n_repeats=repeats, random_state=0)
        for i, (train, test) in enumerate(splitter.split(x, y)):
            fold = out / name / f"fold-{i}"
            fold.mkdir(parents=True, exist_ok=True)
            for part, rows in (("train", train), ("test", test)):
                with open(fold / f"{part}.csv", "w", newline="") as f:
                    w = csv.writer(f)
                    w.writerow(header)
                    w.writerows([*(repr(float(v)) for v in x[r]), y[r]] for r in rows)
        print(f"{name}: {x.shape[0]} rows x {x.shape[1]} features, {len(set(y))} classes, {folds}-fold x {repeats}")
    for name, load in TEXTS.items():
        texts, labels = load()
        splitter = StratifiedKFold(n_splits=text_folds, shuffle=True, random_state=0)
        for i, (train, test) in enumerate(splitter.split(texts, labels)):
            fold = out / name / f"fold-{i}"
            fold.mkdir(parents=True, exist_ok=True)
            for part, rows in (("train", train), ("test", test)):
                with open(fold / f"{part}.csv", "w", newline="") as f:
                    w = csv.writer(f)
                    w.writerow(["label", "text"])
                    w.writerows([labels[r], texts[r]] for r in rows)
        counts = {c: labels.count(c) for c in sorted(set(labels))}
        print(f"{name}: {len(texts)} texts, classes {counts}, {text_folds}-fold")


# --- baselines ----------------------------------------------------------------------------------------------------

def table_models():
    """(name, candidates): each candidate builds a fresh estimator. Grids are the usual small ones."""
    lr = [lambda c=c: make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=5000)) for c in (0.01, 0.1, 1, 10, 100)]
    svm = [lambda c=c, g=g: make_pipeline(StandardScaler(), SVC(C=c, gamma=g))
           for c in (1, 10, 100, 0.3, 1000) for g in ("scale", 0.3, 3)]
    hgb = [lambda lr_=lr_, leaves=leaves, l2=l2: HistGradientBoostingClassifier(learning_rate=lr_, max_leaf_nodes=leaves, l2_regularization=l2, random_state=0)
           for lr_ in (0.1, 0.05, 0.2) for leaves in (31, 15) for l2 in (0.0, 1.0)]
    return [("logistic regression", lr), ("RBF SVM", svm), ("HistGradientBoosting", hgb)]


def text_models():
    lr = [lambda c=c, ng=ng: make_pipeline(TfidfVectorizer(ngram_range=ng, sublinear_tf=True), LogisticRegression(C=c, max_iter=5000))
          for ng in ((1, 1), (1, 2)) for c in (10, 1, 100)]
    char_svm = [lambda c=c: make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True), LinearSVC(C=c))
                for c in (1, 0.3, 3, 0.1)]
    return [("TF-IDF + logistic regression", lr), ("char 2-5-gram TF-IDF + linear SVM", char_svm)]


def grid_search(candidates, x, y, cpu_seconds, inner_folds=3):
    """Candidates in order, each scored by inner stratified k-fold; stops starting new ones once the CPU budget is spent."""
    started = time.process_time()
    best, best_score, tried = None, -1.0, 0
    splitter = StratifiedKFold(n_splits=inner_folds, shuffle=True, random_state=0)
    y = np.asarray(y)
    for make in candidates:
        if tried > 0 and time.process_time() - started > cpu_seconds:
            break
        scores = []
        for tr, va in splitter.split(x if not isinstance(x, list) else np.zeros(len(x)), y):
            pick = (lambda idx: [x[i] for i in idx]) if isinstance(x, list) else (lambda idx: x[idx])
            scores.append(make().fit(pick(tr), y[tr]).score(pick(va), y[va]))
        tried += 1
        if np.mean(scores) > best_score:
            best, best_score = make, float(np.mean(scores))
    model = best().fit(x, y)
    return model, tried, time.process_time() - started


def read_fold(fold):
    with open(fold / "train.csv") as f:
        train = list(csv.reader(f))
    with open(fold / "test.csv") as f:
        test = list(csv.reader(f))
    if train[0] == ["label", "text"]:
        return "text", [r[1] for r in train[1:]], [r[0] for r in train[1:]], [r[1] for r in test[1:]], [r[0] for r in test[1:]]
    as_x = lambda rows: np.array([[float(v) for v in r[:-1]] for r in rows[1:]])  # noqa: E731
    return "table", as_x(train), [r[-1] for r in train[1:]], as_x(test), [r[-1] for r in test[1:]]


def run(splits, cpu_seconds, text_cpu_seconds, only):
    results = []
    for dataset in sorted(p for p in Path(splits).iterdir() if p.is_dir()):
        if only and dataset.name not in only:
            continue
        for fold in sorted(dataset.iterdir(), key=lambda p: int(p.name.split("-")[1])):
            kind, xtr, ytr, xte, yte = read_fold(fold)
            for name, candidates in (text_models() if kind == "text" else table_models()):
                model, tried, used = grid_search(candidates, xtr, ytr, text_cpu_seconds if kind == "text" else cpu_seconds)
                accuracy = float(np.mean(model.predict(xte) == np.asarray(yte)))
                results.append({"dataset": dataset.name, "fold": fold.name, "model": name, "accuracy": accuracy, "candidates": tried,
                                "of": len(candidates), "cpuSeconds": round(used, 2), "cpuCap": text_cpu_seconds if kind == "text" else cpu_seconds})
                print(f"{dataset.name} {fold.name} {name}: {accuracy:.4f} ({tried}/{len(candidates)} candidates, {used:.1f} CPU s)", flush=True)
    out = Path(splits) / "sklearn-results.json"
    if only and out.exists():
        # A partial run (--only) replaces those datasets' rows and keeps the others.
        kept = [r for r in json.loads(out.read_text())["results"] if r["dataset"] not in only]
        results = kept + results
    out.write_text(json.dumps({"results": results}, indent=1))
    print(f"wrote {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("splits")
    s.add_argument("--out", default="/tmp/offgrid-baselines")
    s.add_argument("--repeats", type=int, default=2)
    s.add_argument("--folds", type=int, default=5)
    s.add_argument("--text-folds", type=int, default=3)
    r = sub.add_parser("run")
    r.add_argument("--splits", default="/tmp/offgrid-baselines")
    r.add_argument("--cpu-seconds", type=float, default=40.0, help="per model family and fold; offgrid's --budget B on 2 cores is 2B CPU s")
    r.add_argument("--text-cpu-seconds", type=float, default=80.0)
    r.add_argument("--only", default="", help="comma-separated dataset names")
    a = parser.parse_args()
    if a.command == "splits":
        write_splits(a.out, a.repeats, a.folds, a.text_folds)
    else:
        run(a.splits, a.cpu_seconds, a.text_cpu_seconds, [n for n in a.only.split(",") if n])
