#!/usr/bin/env bash
# Train on the embedded demo corpus, then show neighbours, an analogy and benchmark scores.
# Usage: scripts/demo.sh VENV_BIN OUTPUT_DIR   (the Makefile's `make demo` passes both)
set -euo pipefail
bin=${1:-.venv/bin}
out=${2:-.venv/demo}
mkdir -p "$out"
model="$out/demo.w2v"

echo "== w2v train data/demo-wiki.txt.gz (2M words of Wikipedia, raw text)"
"$bin/w2v" train data/demo-wiki.txt.gz -o "$model" --epochs 10 --sample 1e-4 --seed 1

for word in france guitar physics october; do
    echo
    echo "== w2v similar $word -n 8"
    "$bin/w2v" similar -m "$model" -n 8 "$word"
done

echo
echo "== w2v analogy france paris germany -n 3     (france:paris :: germany:?)"
"$bin/w2v" analogy -m "$model" -n 3 france paris germany

echo
echo "== w2v evaluate (Google analogies, WordSim353, SimLex-999; small corpus, low scores expected)"
"$bin/w2v" evaluate -m "$model" | grep -E 'total|semantic|syntactic|spearman'

echo
echo "== w2v train data/demo-wiki.txt.gz --subwords   (character n-grams: a vector for every word)"
"$bin/w2v" train data/demo-wiki.txt.gz -o "$out/subwords.w2v" --subwords --epochs 5 --sample 1e-4 \
    --seed 1 -q
echo "== w2v similar -m subwords.w2v -n 5 physicist; then physicsts, a misspelling not in the vocabulary"
"$bin/w2v" similar -m "$out/subwords.w2v" -n 5 physicist
"$bin/w2v" similar -m "$out/subwords.w2v" -n 5 physicsts
