"""Specifications of moderation.datasets: catalogue, loaders, checksums, downloads, protocol, identity and evasion sets.

(Longer than 500 lines because it specifies every loader of the catalogue, one short block per dataset, beside the
catalogue-wide checks; it mirrors the package it tests.)

Loader tests read the small fixtures under tests/data/datasets, written for these tests in each dataset's exact format
(never copied from the real data). Tests marked ``data`` read the real shared datasets and check the figures their
MANIFESTs state; they are skipped when no data directory is found.
"""

from __future__ import annotations

import dataclasses
import doctest
import importlib
import io
import re
import shutil
import unicodedata
import urllib.error
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import moderation.datasets as datasets
from moderation.datasets import (
    COLUMNS,
    catalogue,
    data_dir,
    decode_impermium,
    dedupe_across,
    evasion,
    fetch,
    get,
    identity,
    load,
    protocol,
    read_sha256sums,
    split_indices,
    task,
    text_key,
)
from moderation.datasets import download as download_module
from moderation.datasets import storage
from moderation.errors import DatasetError, InvalidDataError
from moderation.labels import LABELS

FIXTURES = Path(__file__).parent / "data" / "datasets"
README = Path(__file__).resolve().parents[1] / "datasets" / "README.md"
ALL_IDS = [d.id for d in catalogue()]
SHARED_FOLDERS = {
    "youtube-spam-collection",
    "sms-spam-collection",
    "instagram-scam-comments-scamspot",
    "kaggle-impermium-insults-2012",
    "olid-offenseval2019",
    "unhealthy-comments-corpus-ucc",
    "fox-news-user-comments-2017",
    "civil-comments-toxic-spans",
    "davidson2017-hate-offensive",
    "stormfront-hate-speech-2018",
    "ethos-hate-speech",
    "wikipedia-toxicity-identity-testset",
    "jigsaw-toxic-comments-subsets",
    "ucc-train-comments-unlabeled",
}


def fixture(name: str, **options) -> pd.DataFrame:
    """Load the fixture copy of a dataset, trusting the fixture folder's own SHA256SUMS."""
    return load(name, FIXTURES, verify="folder", **options)


def copy_fixture(name: str, destination: Path) -> Path:
    """Copy a dataset's fixture folder into `destination` (a data directory) and return the copy."""
    folder = get(name).folder
    shutil.copytree(FIXTURES / folder, destination / folder)
    return destination / folder


# ---------------------------------------------------------------------------------------------------- catalogue


def test_catalogue_has_one_entry_per_shared_folder():
    """The catalogue describes each of the fourteen shared dataset folders exactly once."""
    assert sorted(d.folder for d in catalogue()) == sorted(SHARED_FOLDERS)
    assert len(set(ALL_IDS)) == len(ALL_IDS) == 14


@pytest.mark.parametrize("entry", catalogue(), ids=ALL_IDS)
def test_catalogue_entry_is_consistent(entry):
    """Every entry's files, variants, labels and mappings refer to things that exist."""
    paths = [f.path for f in entry.files]
    assert len(set(paths)) == len(paths)
    for data_file in entry.files:
        assert re.fullmatch(r"[0-9a-f]{64}", data_file.sha256), data_file.path
        assert data_file.role in ("data", "extra", "doc")
        assert data_file.size > 0
    read = {path for _, files in entry.variants for path in files}
    assert read == {f.path for f in entry.data_files}
    assert set(entry.labels) <= set(LABELS)
    assert bool(entry.labels) == (entry.kind != "unlabeled")
    assert [label for label, _ in entry.label_mapping] == list(entry.labels)
    assert entry.license and entry.license_note and entry.citation and entry.homepage.startswith("https://")
    assert entry.fetchable or entry.fetch_note


@pytest.mark.parametrize(
    "name, commercial",
    [
        ("youtube", True),
        ("sms", True),
        ("instagram", True),
        ("impermium", False),
        ("olid", False),
        ("ucc", False),
        ("fox", True),
        ("davidson", True),
        ("stormfront", False),
        ("ethos", False),
        ("civil_spans", True),
        ("wikipedia_identity", False),
        ("jigsaw", False),
        ("ucc_unlabeled", False),
    ],
)
def test_commercial_use_follows_the_license(name, commercial):
    """Only CC BY 4.0, MIT and CC0 data count as usable for a commercial model."""
    assert get(name).commercial_use is commercial


@pytest.mark.parametrize("name", ["impermium", "olid", "stormfront"])
def test_datasets_without_public_file_urls_are_not_fetchable(name):
    """Kaggle-only, zip-behind-a-page and repacked datasets say where to get them instead."""
    assert not get(name).fetchable
    assert get(name).fetch_note


def test_get_unknown_dataset_lists_known_names():
    """Asking for an unknown dataset raises DatasetError naming the known ones."""
    with pytest.raises(DatasetError, match=r"unknown dataset 'hatexplain'.*youtube.*ucc_unlabeled"):
        get("hatexplain")


def test_load_unknown_dataset_raises():
    """load() refuses unknown names before touching the disk."""
    with pytest.raises(DatasetError, match="known datasets"):
        load("nope", FIXTURES)


def test_unknown_variant_is_named():
    """An unknown variant lists the dataset's variants."""
    with pytest.raises(DatasetError, match="no variant 'weird'.*nonfuzzed, fuzzed"):
        fixture("wikipedia_identity", variant="weird")


# ---------------------------------------------------------------------------------------------------- data_dir


def test_data_dir_prefers_the_explicit_path(tmp_path, monkeypatch):
    """An explicit path wins over the environment variable."""
    monkeypatch.setenv("MODERATION_DATA", str(tmp_path / "env"))
    assert data_dir(tmp_path / "explicit") == tmp_path / "explicit"


def test_data_dir_reads_the_environment(tmp_path, monkeypatch):
    """Without a path, MODERATION_DATA names the data directory."""
    monkeypatch.setenv("MODERATION_DATA", str(tmp_path))
    assert data_dir() == tmp_path


def test_data_dir_finds_shared_datasets_beside_the_working_directory(tmp_path, monkeypatch):
    """Without path or variable, ../shared/datasets relative to the working directory is used."""
    monkeypatch.delenv("MODERATION_DATA", raising=False)
    (tmp_path / "shared" / "datasets").mkdir(parents=True)
    (tmp_path / "repo").mkdir()
    monkeypatch.chdir(tmp_path / "repo")
    assert data_dir().resolve() == (tmp_path / "shared" / "datasets").resolve()


def test_data_dir_explains_how_to_configure_when_nothing_is_found(tmp_path, monkeypatch):
    """With nothing to go on, the error says how to set MODERATION_DATA or fetch a dataset."""
    monkeypatch.delenv("MODERATION_DATA", raising=False)
    monkeypatch.setattr(storage, "_fallback_dirs", lambda: (tmp_path / "absent",))
    with pytest.raises(DatasetError, match=r"MODERATION_DATA.*moderation datasets fetch NAME"):
        data_dir()


def test_available_lists_datasets_present():
    """available() lists every dataset whose files are in the directory, and nothing for an empty one."""
    assert datasets.available(FIXTURES) == ALL_IDS


def test_available_is_empty_for_an_empty_directory(tmp_path):
    """An empty data directory has no dataset."""
    assert datasets.available(tmp_path) == []


# ------------------------------------------------------------------------------------------------------ schema


@pytest.mark.parametrize("name", ALL_IDS)
def test_loader_returns_the_standard_schema(name):
    """Every loader returns text, the four labels, source, split, group, then its documented extra columns."""
    entry = get(name)
    df = fixture(name)
    assert list(df.columns) == [*COLUMNS, *entry.extra_columns]
    assert isinstance(df.index, pd.RangeIndex) and len(df) > 0
    assert all(isinstance(t, str) for t in df["text"])
    variants = [fixture(name, variant=v) for v, _ in entry.variants]
    for label in LABELS:
        assert df[label].dtype == np.float64
        values = df[label].dropna()
        assert values.between(0, 1).all()
        if label in entry.labels:
            assert any(v[label].notna().any() for v in variants), label
        else:
            assert all(v[label].isna().all() for v in variants), label
    assert (df["source"] == name).all()
    assert set(df["split"]) <= {"train", "test", None}
    assert "DATE" not in df and "COMMENT_ID" not in df


@pytest.mark.parametrize("name", ALL_IDS)
def test_protocol_target_columns_exist_in_the_loaded_frames(name):
    """Each protocol task's target column is produced by its dataset's loader."""
    for t in (t for t in protocol() if t.dataset == name):
        assert t.target in fixture(name, variant=t.variant).columns


# ------------------------------------------------------------------------------------------------------ quirks


@pytest.mark.parametrize(
    "raw, expected",
    [
        ('"You fuck your dad."', "You fuck your dad."),
        (r'"point.\xa0 It seems"', "point.\xa0 It seems"),
        (r'"A\\xc2\\xa0majority\\n\\nUnless"', "A\xa0majority\n\nUnless"),
        (r'"Holder\\xe2\\x80\\x99s"', "Holder\u2019s"),
        (r'"C\xe1c b\u1ea1n"', "C\xe1c b\u1ea1n"),
        (r'"you\\\\\\\'re\\\\n"', "you're\n"),
        (r'"ascii \\\u2026 art"', "ascii \\\u2026 art"),
        (r'"jail\\prison"', "jail\\prison"),
        (r'"rainbow \U0001f308"', "rainbow \U0001f308"),
        (r'"line\r\nbreak"', "line\r\nbreak"),
    ],
)
def test_impermium_comments_are_unescaped(raw, expected):
    """Impermium fields lose their outer quotes and every layer of escaping; UTF-8 byte escapes are re-decoded."""
    assert decode_impermium(raw) == expected


def test_impermium_loader_decodes_and_splits():
    """train.csv is the train side, test_with_solutions.csv the test side, and texts come out decoded."""
    df = fixture("impermium")
    assert df["split"].tolist() == ["train"] * 7 + ["test"] * 4
    assert df["text"].tolist()[:6] == [
        "You are a fixture idiot.",
        "not my point.\xa0 Apples and oranges.",
        "A\xa0test\n\nsecond line: don't worry",
        "Xin chào đại ca\nnext",
        "you're a clown\n\nreally",
        "art \\… and jail\\prison\r\nend",
    ]
    assert df["text"][7] == "Holder’s department"
    assert df["text"][8] == '@someone\xa0"quoted" you clown'
    assert df["text"][9] == "NA"
    assert (df["insult"] == df["toxicity"]).all()


def test_impermium_verification_set_is_only_a_variant():
    """The verification set (overlapping train and test) loads only when asked for."""
    assert "verification" not in set(fixture("impermium")["split"])
    verification = fixture("impermium", variant="verification")
    assert set(verification["split"]) == {"verification"}
    assert verification["text"][0].endswith("\U0001f308")


def test_sms_reads_the_unbalanced_quote_as_text():
    """An SMS starting with an unbalanced quote stays one message; surrounding whitespace is kept."""
    df = fixture("sms")
    assert len(df) == 8
    assert df["text"][2].startswith('"Keep calm')
    assert df["text"][3] == "Ok lar"
    assert df["text"][5] == " Sorry, I'll call later "
    assert df["spam"].tolist() == [0, 1, 0, 0, 1, 0, 0, 0]


def test_youtube_eminem_malformed_row_is_parsed_as_standard_csv():
    """The Eminem row with an unclosed quote swallows the following lines and takes the last line's label."""
    df = fixture("youtube")
    eminem = df[df["group"] == "Eminem"].reset_index(drop=True)
    assert len(eminem) == 4
    swallowed = eminem["text"][2]
    assert swallowed.startswith("A warning will come soon.") and swallowed.endswith("Subscribe to me now")
    assert swallowed.count("\n") == 3
    assert eminem["spam"].tolist() == [1, 0, 1, 0]


def test_youtube_groups_authors_and_raw_text():
    """YouTube rows carry the video name as group and the author; HTML and U+FEFF are left for the normaliser."""
    df = fixture("youtube")
    assert df["group"].unique().tolist() == ["Psy", "KatyPerry", "LMFAO", "Eminem", "Shakira"]
    assert df["author"][0] == "Ann Example"
    assert df["text"][3] == "Love it<br />\ufeff"
    assert df["text"][6] == "NA\ufeff"


def test_olid_maps_subtasks_and_null():
    """OLID: OFF is toxic; TIN+IND is an insult, GRP an identity attack, NOT negative for both, the rest NaN."""
    df = fixture("olid")
    train = df[df["split"] == "train"]
    assert train["text"][0] == '@USER She said "hello and left'
    assert train["toxicity"].tolist() == [1, 1, 1, 0, 1]
    np.testing.assert_array_equal(train["insult"], [np.nan, 1, np.nan, 0, np.nan])
    np.testing.assert_array_equal(train["identity_attack"], [np.nan, np.nan, 1, 0, np.nan])
    assert not df["text"].str.contains("\r").any()


def test_olid_test_side_joins_level_a_labels_by_id():
    """Test tweets get their level-A label by id, whatever the label file's order; B and C stay NaN."""
    test = fixture("olid").query("split == 'test'")
    assert test["text"].tolist() == ['@USER "Quoted start and no end', "Have a nice day URL", "@USER shut up"]
    assert test["toxicity"].tolist() == [0, 0, 1]
    assert test["insult"].isna().all() and test["identity_attack"].isna().all()


def test_olid_missing_test_label_is_an_error(tmp_path):
    """A test tweet without a label is reported, not silently dropped."""
    folder = copy_fixture("olid", tmp_path)
    labels = folder / "labels-levela.csv"
    labels.write_bytes(b"id,label\r\n20003,OFF\r\n20001,NOT\r\n")
    with pytest.raises(DatasetError, match="no label for test tweet id 20002"):
        load("olid", tmp_path, verify=False)


def test_ucc_keeps_hostile_and_unhealthy():
    """UCC: toxicity is hostile or antagonize, insult is antagonize, unhealthy is 1 - healthy; val is train."""
    df = fixture("ucc")
    assert df["split"].tolist() == ["train"] * 4 + ["test"] * 3
    assert df["toxicity"].tolist() == [0, 1, 1, 0, 1, 0, 0]
    assert df["insult"].tolist() == [0, 1, 1, 0, 0, 0, 0]
    assert df["hostile"].tolist() == [0, 0, 1, 0, 1, 0, 0]
    assert df["unhealthy"].tolist() == [0, 1, 1, 0, 1, 0, 0]
    assert df["text"][3] == "null"


def test_fox_hateful_is_toxic_identity_attack_with_author():
    """Fox News: the hateful label gives toxicity and identity_attack; the user name is the author."""
    df = fixture("fox")
    assert df["toxicity"].tolist() == df["identity_attack"].tolist() == [1, 0, 0]
    assert df["author"].tolist() == ["fixture_user1", "fixture_user2", "fixture_user1"]


def test_davidson_classes():
    """Davidson: hate or offensive is toxic, only hate is an identity attack; multi-line tweets stay whole."""
    df = fixture("davidson")
    assert df["toxicity"].tolist() == [0, 1, 1, 0]
    assert df["identity_attack"].tolist() == [0, 0, 1, 0]
    assert df["text"][1] == "RT @fixture2: this damn\ntraffic again"


def test_stormfront_joins_sentences_and_drops_unclear_labels():
    """Stormfront sentences join their labels by file_id; relation and idk/skip rows are dropped."""
    df = fixture("stormfront")
    assert df["text"].tolist() == [
        "The meeting is on Saturday .",
        'They are a plague on this land , he said " .',
        "Nice pictures of the mountains .",
    ]
    assert df["toxicity"].tolist() == df["identity_attack"].tolist() == [0, 1, 0]


def test_ethos_keeps_the_hate_fraction():
    """ETHOS isHate stays a fraction; the protocol binarises it at 0.5."""
    df = fixture("ethos")
    np.testing.assert_allclose(df["toxicity"], [0.8333333333, 0.0, 0.5, 0.1666666667])
    assert df["text"][0] == 'Women like you should stay "in the kitchen"'
    np.testing.assert_array_equal(datasets.binarise(task("ethos"), df), [1, 0, 1, 0])


def test_ethos_multilabel_variant_gives_violence_as_threat():
    """ETHOS multilabel: every comment is hateful (toxic, identity attack); violence is the threat fraction."""
    df = fixture("ethos", variant="multilabel")
    assert (df["toxicity"] == 1).all() and (df["identity_attack"] == 1).all()
    np.testing.assert_allclose(df["threat"], [0, 1, 0.333333333])
    assert fixture("ethos")["threat"].isna().all()


def test_civil_spans_majority_rules():
    """Toxic spans: majority-not-toxic and tied posts are dropped; span types count only with character overlap."""
    df = fixture("civil_spans")
    assert df["text"].str[:5].tolist() == ["Idiot", "Clown", "You f", "abcde", "I wil"]
    assert (df["toxicity"] == 1).all()
    np.testing.assert_array_equal(df["insult"], [1, 1, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(df["identity_attack"], [np.nan, np.nan, 1, np.nan, np.nan])
    np.testing.assert_array_equal(df["threat"], [np.nan] * 4 + [1])
    np.testing.assert_array_equal(df["profanity"], [np.nan] * 4 + [1])
    assert df["n_raters"].tolist() == [3, 3, 3, 3, 3]


def test_civil_spans_type_shares_count_the_raters_who_called_the_post_toxic():
    """Each span type's share is the fraction of the post's toxic-voting raters who marked that type (once each)."""
    df = fixture("civil_spans")
    np.testing.assert_allclose(df["threat_share"], [0, 0, 0, 1 / 3, 2 / 3])
    np.testing.assert_allclose(df["profanity_share"], [1 / 3, 0, 0, 0, 2 / 3])
    # Post 5 has three raters, one of whom ticked "not toxic": shares count the other two.
    np.testing.assert_allclose(df["identity_attack_share"][2], 1.0)
    assert df[["insult_share", "identity_attack_share", "threat_share", "profanity_share"]].stack().between(0, 1).all()


def test_wikipedia_identity_variants_share_labels():
    """Both Wikipedia identity files load, with identical labels and swapped identity terms."""
    real = fixture("wikipedia_identity")
    fuzzed = fixture("wikipedia_identity", variant="fuzzed")
    assert real["toxicity"].tolist() == fuzzed["toxicity"].tolist() == [0, 1, 0]
    assert "gay" in real["text"][1] and "christian" in fuzzed["text"][1]
    assert real["text"][0].startswith("  I am")


def test_instagram_scam_is_spam():
    """Instagram: scam is spam; the literal text 'NA' stays text."""
    df = fixture("instagram")
    assert df["spam"].tolist() == [1, 0, 0, 1, 0]
    assert df["text"][2] == "NA"


def test_jigsaw_subsets_are_groups():
    """Jigsaw: both subsets load, toxic is toxicity, the subset is the group; quoted line breaks stay in the text."""
    df = fixture("jigsaw")
    assert df["group"].tolist() == ["robtest"] * 6 + ["sample"] * 4
    assert df["toxicity"].tolist() == [0, 0, 1, 0, 1, 0, 0, 0, 1, 0]
    assert df["text"][3] == "NA" and df["text"][9] == "null"
    assert df["text"][7].startswith('"\n please stop')
    assert df[["insult", "identity_attack", "spam"]].isna().all().all()


def test_ucc_unlabeled_has_texts_and_no_labels():
    """The unlabeled UCC texts load with every label missing; doubled quotes are undone and 'NA' stays text."""
    df = fixture("ucc_unlabeled")
    assert len(df) == 5 and df[list(LABELS)].isna().all().all()
    assert df["text"][1] == 'Personally I prefer the bus, but "each to their own" as they say.'
    assert df["text"][2] == "NA"


def test_empty_unlabeled_comment_is_refused(tmp_path):
    """An empty line in the unlabeled UCC texts is reported with the file, the column and the row."""
    folder = copy_fixture("ucc_unlabeled", tmp_path)
    (folder / "train_comments.csv").write_text('"comment"\n"fine"\n""\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"train_comments.csv: column 'comment' is empty in row 3"):
        load("ucc_unlabeled", tmp_path, verify=False)


# One column each loader reads, and the file it is in: renaming it must give an error naming both.
MALFORMED = [
    ("youtube", "Youtube01-Psy.csv", "CLASS"),
    ("instagram", "comments-rated.csv", "scam"),
    ("impermium", "train.csv", "Comment"),
    ("olid", "olid-training-v1.0.tsv", "subtask_a"),
    ("olid", "testset-levela.tsv", "tweet"),
    ("ucc", "test.csv", "hostile"),
    ("davidson", "labeled_data.csv", "class"),
    ("stormfront", "sentences.tsv", "text"),
    ("stormfront", "annotations_metadata.csv", "label"),
    ("ethos", "Ethos_Dataset_Binary.csv", "isHate"),
    ("civil_spans", "spans.csv", "type"),
    ("civil_spans", "annotations.csv", "not toxic"),
    ("wikipedia_identity", "toxicity_nonfuzzed_testset.csv", "toxic"),
    ("jigsaw", "robtest_jigsaw_balanced.csv", "toxic"),
    ("jigsaw", "jigsaw_sample_5k_lowercased.csv", "comment_text"),
    ("ucc_unlabeled", "train_comments.csv", "comment"),
]


@pytest.mark.parametrize("name, filename, column", MALFORMED, ids=[f"{n}-{c}" for n, _, c in MALFORMED])
def test_missing_column_names_the_file_and_the_column(tmp_path, name, filename, column):
    """A file that lacks a column its loader reads is refused with the file's path and the column's name."""
    folder = copy_fixture(name, tmp_path)
    path = folder / filename
    raw = path.read_bytes()
    header, rest = raw.split(b"\n", 1)
    renamed = re.sub(rb'(^|[,;\t"])' + re.escape(column.encode()) + rb'(?=$|[,;\t"\r])', rb"\1renamed", header)
    assert renamed != header
    path.write_bytes(renamed + b"\n" + rest)
    with pytest.raises(DatasetError, match=rf"{re.escape(filename)}: no column '{re.escape(column)}'"):
        load(name, tmp_path, verify=False)


def test_fox_record_without_a_label_is_refused(tmp_path):
    """A Fox News record without its label field is reported with the file and the record number."""
    folder = copy_fixture("fox", tmp_path)
    (folder / "fox-news-comments.json").write_text('{"text": "a comment", "user": "u"}\n', encoding="utf-8")
    with pytest.raises(DatasetError, match=r"fox-news-comments.json: record 1 has no 'label' field"):
        load("fox", tmp_path, verify=False)


def test_sms_line_without_a_tab_is_refused(tmp_path):
    """An SMS line with no tab (no message column) is reported with the file and the line."""
    folder = copy_fixture("sms", tmp_path)
    (folder / "SMSSpamCollection").write_bytes(b"ham\tfine message\nspam no tab here\n")
    with pytest.raises(DatasetError, match=r"SMSSpamCollection, line 2: no 'text' column"):
        load("sms", tmp_path, verify=False)


def test_file_that_is_not_csv_is_refused(tmp_path):
    """A data file that cannot be parsed as CSV, or is not UTF-8, is refused with its path."""
    folder = copy_fixture("jigsaw", tmp_path)
    (folder / "robtest_jigsaw_balanced.csv").write_bytes(b"comment_text,toxic\n\xff\xfe bad bytes,1\n")
    with pytest.raises(DatasetError, match=r"robtest_jigsaw_balanced.csv: not valid UTF-8"):
        load("jigsaw", tmp_path, verify=False)


# ------------------------------------------------------------------------------------------------ verification


def test_fixture_checksums_verify_against_the_folder_sums():
    """verify='folder' checks files against the SHA256SUMS lying in the dataset folder."""
    sums = read_sha256sums(FIXTURES / get("sms").folder / "SHA256SUMS")
    assert "SMSSpamCollection" in sums
    assert len(fixture("sms")) == 8


def test_folder_sums_that_disagree_with_the_catalogue_are_reported():
    """With the default verify=True, a SHA256SUMS listing other checksums than the catalogue names the file."""
    with pytest.raises(DatasetError, match=r"SMSSpamCollection.*another version of the dataset"):
        load("sms", FIXTURES)


def test_corrupt_file_fails_verification(tmp_path):
    """A file whose bytes differ from its SHA256SUMS entry is named, with how to fix it."""
    folder = copy_fixture("sms", tmp_path)
    (folder / "SMSSpamCollection").write_bytes(b"ham\tsomething else\n")
    with pytest.raises(DatasetError, match=r"SMSSpamCollection has sha256 .* corrupt or was changed"):
        load("sms", tmp_path, verify="folder")


def test_file_differing_from_the_catalogue_fails_verification(tmp_path):
    """Without a SHA256SUMS, files are checked against the catalogue's sha256."""
    folder = copy_fixture("ethos", tmp_path)
    (folder / "SHA256SUMS").unlink()
    with pytest.raises(DatasetError, match=r"Ethos_Dataset_Binary.csv has sha256 .* the catalogue expects 0cd0050c"):
        load("ethos", tmp_path)


def test_missing_file_names_the_file_and_the_fix(tmp_path):
    """A missing file is named, with the fetch command for fetchable datasets."""
    with pytest.raises(DatasetError, match=r"labeled_data.csv is missing.*moderation datasets fetch davidson"):
        load("davidson", tmp_path)


def test_missing_file_of_a_kaggle_dataset_points_to_kaggle(tmp_path):
    """For a dataset that cannot be fetched, the error says where to download it by hand."""
    with pytest.raises(DatasetError, match=r"train.csv is missing.*kaggle.com"):
        load("impermium", tmp_path)


def test_folder_verification_needs_a_sums_file(tmp_path):
    """verify='folder' without a SHA256SUMS explains how to write one."""
    folder = copy_fixture("ethos", tmp_path)
    (folder / "SHA256SUMS").unlink()
    with pytest.raises(DatasetError, match="verify='folder' needs"):
        load("ethos", tmp_path, verify="folder")


def test_verify_false_skips_hashing(tmp_path):
    """verify=False loads files whatever their checksum."""
    copy_fixture("ethos", tmp_path)
    assert len(load("ethos", tmp_path, verify=False)) == 4


def test_invalid_verify_mode_is_rejected():
    """verify accepts only booleans, 'catalogue', 'folder' and 'none'."""
    with pytest.raises(DatasetError, match="verify must be"):
        load("ethos", FIXTURES, verify="sometimes")


def test_verification_is_cached_per_process(tmp_path, monkeypatch):
    """Once a file has been hashed, loading it again does not rehash it."""
    copy_fixture("fox", tmp_path)
    load("fox", tmp_path, verify="folder")

    class NoHashing:
        @staticmethod
        def sha256():
            raise AssertionError("the file was hashed again")

    monkeypatch.setattr("moderation.files.hashlib", NoHashing)  # where every checksum is computed
    assert len(load("fox", tmp_path, verify="folder")) == 3


def test_malformed_sums_file_is_reported(tmp_path):
    """A SHA256SUMS line that is not '<sha256>  <file>' is reported with its line number."""
    sums = tmp_path / "SHA256SUMS"
    sums.write_text("not-a-digest  file.csv\n")
    with pytest.raises(DatasetError, match="line 1"):
        read_sha256sums(sums)


# ------------------------------------------------------------------------------------------------------- fetch


class FakeResponse(io.BytesIO):
    """A urlopen() response serving fixed bytes."""


class FakeWeb:
    """An injected urlopen that serves bytes by URL and records what was asked."""

    def __init__(self, pages: dict[str, bytes]):
        self.pages = pages
        self.requested: list[str] = []

    def __call__(self, request, timeout=None):
        url = request.full_url
        self.requested.append(url)
        if url not in self.pages:
            raise urllib.error.URLError("Name or service not known")
        return FakeResponse(self.pages[url])


def with_fixture_checksums(name: str, monkeypatch) -> datasets.Dataset:
    """Make the catalogue entry of `name` expect the fixture files' checksums, for download tests."""
    entry = get(name)
    sums = read_sha256sums(FIXTURES / entry.folder / "SHA256SUMS")
    files = tuple(dataclasses.replace(f, sha256=sums[f.path]) if f.path in sums else f for f in entry.files)
    patched = dataclasses.replace(entry, files=files)
    monkeypatch.setattr(download_module, "get", lambda n: patched if n == name else get(n))
    return patched


def test_fetch_downloads_verifies_and_writes_sums(tmp_path, monkeypatch):
    """fetch() downloads each file from its URL into data_dir/<folder>/ and writes a SHA256SUMS."""
    entry = with_fixture_checksums("davidson", monkeypatch)
    source = FIXTURES / entry.folder / "labeled_data.csv"
    web = FakeWeb({entry.file("labeled_data.csv").url: source.read_bytes()})
    paths = fetch("davidson", tmp_path, urlopen=web)
    folder = tmp_path / entry.folder
    assert paths == [folder / "labeled_data.csv"]
    assert (folder / "labeled_data.csv").read_bytes() == source.read_bytes()
    assert read_sha256sums(folder / "SHA256SUMS") == {"labeled_data.csv": entry.file("labeled_data.csv").sha256}
    assert sorted(p.name for p in folder.iterdir()) == ["SHA256SUMS", "labeled_data.csv"]
    assert len(load("davidson", tmp_path, verify="folder")) == 4


def test_fetch_keeps_files_that_are_already_correct(tmp_path, monkeypatch):
    """A second fetch finds the files in place and downloads nothing."""
    entry = with_fixture_checksums("ethos", monkeypatch)
    web = FakeWeb({f.url: (FIXTURES / entry.folder / f.path).read_bytes() for f in entry.data_files})
    fetch("ethos", tmp_path, urlopen=web)
    fetch("ethos", tmp_path, urlopen=web)
    assert len(web.requested) == len(entry.data_files) == 2


def test_fetch_extracts_members_of_a_zip_archive(tmp_path, monkeypatch):
    """Zip-only datasets are fetched by downloading the archive and extracting the catalogued members."""
    entry = with_fixture_checksums("youtube", monkeypatch)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as bundle:
        for data_file in entry.data_files:
            body = (FIXTURES / entry.folder / data_file.path).read_bytes()
            bundle.writestr(f"YouTube-Spam-Collection-v1/{data_file.path}", body)
            bundle.writestr(f"__MACOSX/._{data_file.path}", b"resource fork")
    web = FakeWeb({entry.data_files[0].archive_url: archive.getvalue()})
    fetch("youtube", tmp_path, urlopen=web)
    assert web.requested == [entry.data_files[0].archive_url]
    pd.testing.assert_frame_equal(load("youtube", tmp_path, verify="folder"), fixture("youtube"))
    assert not list((tmp_path / entry.folder).glob(".fetch-*"))


def test_fetch_rejects_a_checksum_mismatch_and_writes_nothing(tmp_path, monkeypatch):
    """Bytes that do not match the catalogue are reported with both digests and never written."""
    entry = with_fixture_checksums("ethos", monkeypatch)
    url = entry.data_files[0].url
    with pytest.raises(DatasetError, match=r"Ethos_Dataset_Binary.csv from https://.* has sha256 .* expects"):
        fetch("ethos", tmp_path, urlopen=FakeWeb({url: b"comment;isHate\nchanged upstream;1.0"}))
    assert list((tmp_path / entry.folder).iterdir()) == []


def test_fetch_reports_an_unreachable_url(tmp_path, monkeypatch):
    """A URL that cannot be reached is named in the error."""
    entry = with_fixture_checksums("fox", monkeypatch)
    with pytest.raises(DatasetError, match=r"could not download https://raw.githubusercontent.com/sjtuprog"):
        fetch("fox", tmp_path, urlopen=FakeWeb({}))
    assert list((tmp_path / entry.folder).iterdir()) == []


def test_fetch_refuses_to_overwrite_a_different_file(tmp_path, monkeypatch):
    """An existing file with other contents is left alone and reported."""
    entry = with_fixture_checksums("ethos", monkeypatch)
    folder = tmp_path / entry.folder
    folder.mkdir()
    (folder / "Ethos_Dataset_Binary.csv").write_text("my own edits")
    with pytest.raises(DatasetError, match="refusing to overwrite"):
        fetch("ethos", tmp_path, urlopen=FakeWeb({}))
    assert (folder / "Ethos_Dataset_Binary.csv").read_text() == "my own edits"


@pytest.mark.parametrize("name, where", [("impermium", "kaggle.com"), ("olid", "OLIDv1.0.zip"), ("stormfront", "pack")])
def test_fetch_explains_where_to_get_unfetchable_datasets(tmp_path, name, where):
    """Datasets without public per-file URLs raise an error that says where to get them."""
    with pytest.raises(DatasetError, match=f"cannot be downloaded automatically.*{where}"):
        fetch(name, tmp_path, urlopen=FakeWeb({}))


# ---------------------------------------------------------------------------------------------------- protocol


def frame(texts, target, **columns) -> pd.DataFrame:
    return pd.DataFrame({"text": texts, **target, **columns})


def test_protocol_tasks_are_well_formed():
    """Every task names a catalogued dataset, known labels, a known scheme and a unique name."""
    names = [t.name for t in protocol()]
    assert len(set(names)) == len(names)
    for t in protocol():
        assert get(t.dataset).id == t.dataset
        assert set(t.labels) <= set(LABELS)
        assert t.scheme in datasets.SCHEMES
        if t.variant is not None:
            get(t.dataset).variant_files(t.variant)
    # Unlabeled and cross-source-only (Jigsaw) sets have no in-domain task; the toxic spans (all toxic) only
    # measure span types among toxic posts.
    assert {t.dataset for t in protocol()} == set(ALL_IDS) - {"jigsaw", "ucc_unlabeled"}
    assert {t.target for t in protocol() if t.dataset == "civil_spans"} == {
        "insult_share", "identity_attack_share", "threat_share", "profanity_share"}


def test_cross_source_rows_are_well_formed():
    """Every cross-source row names a catalogued dataset, known labels, and leaves its own dataset out."""
    rows = datasets.cross_source()
    assert len({t.name for t in rows}) == len(rows)
    for t in rows:
        assert get(t.dataset).kind in ("spam", "abuse")
        assert set(t.labels) <= set(LABELS) and t.rows in ("test", "all")
        assert t.dataset in t.excluded and all(get(name) for name in t.excluded)
        assert t.target in fixture(t.dataset, variant=t.variant).columns
    counted = {t.dataset for t in rows if t.in_mean}
    assert counted == {d.id for d in catalogue() if d.kind in ("spam", "abuse")} - {"civil_spans", "wikipedia_identity"}
    assert datasets.get("ucc_unlabeled").id in next(t for t in rows if t.name == "ucc-hostile").excluded


def test_cross_source_rows_pick_the_test_side_or_the_group():
    """A fixed split's row scores its test side only; a Jigsaw row only its subset; rows without a target none."""
    ucc = next(t for t in datasets.cross_source() if t.name == "ucc-hostile")
    assert datasets.cross_source_rows(ucc, fixture("ucc")).tolist() == [4, 5, 6]
    sample = next(t for t in datasets.cross_source() if t.name == "jigsaw-sample")
    assert datasets.cross_source_rows(sample, fixture("jigsaw")).tolist() == [6, 7, 8, 9]
    fox = next(t for t in datasets.cross_source() if t.name == "fox")
    frame = fixture("fox").assign(toxicity=[1.0, np.nan, 0.0])
    assert datasets.cross_source_rows(fox, frame).tolist() == [0, 2]


@pytest.mark.parametrize(
    "name, labels, target, scheme",
    [
        ("youtube", ("spam",), "spam", "group"),
        ("sms", ("spam",), "spam", "kfold"),
        ("instagram", ("spam",), "spam", "kfold"),
        ("impermium", ("insult", "toxicity"), "insult", "fixed"),
        ("olid", ("toxicity",), "toxicity", "fixed"),
        ("ucc-hostile", ("toxicity",), "hostile", "fixed"),
        ("ucc-unhealthy", ("toxicity",), "unhealthy", "fixed"),
        ("ethos", ("toxicity", "identity_attack"), "toxicity", "kfold"),
        ("wikipedia_identity", ("toxicity",), "toxicity", "eval_only"),
    ],
)
def test_protocol_entries(name, labels, target, scheme):
    """The protocol scores each dataset with the agreed labels, target and scheme."""
    t = task(name)
    assert (t.labels, t.target, t.scheme) == (labels, target, scheme)


def test_unknown_task_is_named():
    """task() raises InvalidDataError listing the task names."""
    with pytest.raises(InvalidDataError, match="known tasks: youtube"):
        task("jigsaw")


def test_kfold_splits_are_deterministic_disjoint_and_stratified():
    """Stratified k-fold gives the same folds for the same seed, covers every row once and keeps both classes."""
    rng = np.random.default_rng(0)
    df = frame([f"comment number {i}" for i in range(100)], {"toxicity": (rng.random(100) < 0.3).astype(float)})
    first = list(split_indices(task("fox"), df, seed=3))
    again = list(split_indices(task("fox"), df, seed=3))
    other = list(split_indices(task("fox"), df, seed=4))
    assert len(first) == 5
    for (train, test), (train2, test2) in zip(first, again):
        np.testing.assert_array_equal(train, train2)
        np.testing.assert_array_equal(test, test2)
        assert not set(train) & set(test)
        assert len(set(train) | set(test)) == 100
        assert 0 < df["toxicity"].iloc[test].sum() < len(test)
    assert sorted(np.concatenate([test for _, test in first]).tolist()) == list(range(100))
    assert any(not np.array_equal(a[1], b[1]) for a, b in zip(first, other))


def test_splits_never_share_a_text():
    """A text (by normalised key) in the test side of a fold is removed from its train side."""
    texts = ["Same text"] * 3 + ["same   TEXT"] * 3 + [f"unique {i}" for i in range(34)]
    df = frame(texts, {"toxicity": [1.0, 0.0] * 20})
    for train, test in split_indices(task("davidson"), df, n_splits=4):
        assert not {text_key(t) for t in df["text"].iloc[train]} & {text_key(t) for t in df["text"].iloc[test]}


def test_fixed_split_uses_the_split_column_and_dedupes():
    """The fixed scheme trains on 'train' rows and tests on 'test' rows, dropping train texts found in test."""
    df = fixture("impermium")
    ((train, test),) = split_indices(task("impermium"), df)
    assert test.tolist() == [7, 8, 9, 10]
    assert train.tolist() == [0, 1, 2, 3, 4, 5]  # row 6 repeats test row 10 up to case and spacing


def test_group_scheme_holds_out_each_video():
    """YouTube folds hold out one video each, in sorted order, and drop cross-video duplicates from train."""
    df = fixture("youtube")
    folds = list(split_indices(task("youtube"), df))
    held_out = [df["group"].iloc[test].unique().tolist() for _, test in folds]
    assert held_out == [["Eminem"], ["KatyPerry"], ["LMFAO"], ["Psy"], ["Shakira"]]
    train, test = folds[4]
    assert 7 not in train  # LMFAO's "Check out this video on YouTube:" also occurs in Shakira
    assert 7 in folds[0][0]


def test_sms_drops_duplicate_texts_before_folding():
    """With dedupe_first, only the first copy of a repeated text takes part in the folds."""
    df = frame(["Ok lar", "ok  LAR", "Ok lar"] + [f"msg {i}" for i in range(17)], {"spam": [0.0] * 10 + [1.0] * 10})
    used = np.concatenate([test for _, test in split_indices(task("sms"), df)])
    assert 0 in used and 1 not in used and 2 not in used
    assert len(used) == 18


def test_rows_without_a_target_take_no_part():
    """Rows whose target is NaN are on neither side."""
    df = fixture("olid")
    df.loc[0, "toxicity"] = np.nan
    ((train, test),) = split_indices(task("olid"), df)
    assert 0 not in train and 0 not in test


def test_eval_only_has_an_empty_train_side():
    """Evaluation-only tasks yield one pair with every row on the test side."""
    df = fixture("wikipedia_identity")
    ((train, test),) = split_indices(task("wikipedia_identity"), df)
    assert train.tolist() == [] and test.tolist() == [0, 1, 2]


def test_split_indices_needs_its_columns():
    """A frame without the target column is rejected with the column's name."""
    with pytest.raises(InvalidDataError, match="needs the column 'hostile'"):
        next(split_indices(task("ucc-hostile"), pd.DataFrame({"text": ["a"]})))
    with pytest.raises(InvalidDataError, match="'split' column"):
        next(split_indices(task("olid"), pd.DataFrame({"text": ["a"], "toxicity": [1.0]})))


def test_dedupe_across_drops_train_rows_seen_in_test():
    """dedupe_across removes from train every row whose normalised text occurs in test, keeping its index."""
    train = pd.DataFrame({"text": ["You idiot", "nice post", "Great\n job"]}, index=[10, 11, 12])
    test = pd.DataFrame({"text": ["great job", "you IDIOT\ufeff"]})
    assert dedupe_across(train, test).index.tolist() == [11]


@pytest.mark.parametrize(
    "a, b",
    [
        ("Hello  World", "hello world"),
        ("STRASSE", "straße"),
        (" tabs\tand\nlines ", "tabs and lines"),
        ("a\u200bb", "ab"),
    ],
)
def test_text_key_ignores_case_spacing_and_invisible_characters(a, b):
    """text_key case-folds, collapses whitespace and drops invisible format characters."""
    assert text_key(a) == text_key(b)


# ---------------------------------------------------------------------------------------------------- identity

REQUIRED_TERMS = [
    "gay", "lesbian", "bisexual", "transgender", "queer", "Muslim", "Jewish", "Christian", "Hindu", "Sikh",
    "Buddhist", "atheist", "Black", "white", "Asian", "Latino", "Hispanic", "Mexican", "African", "Arab",
    "immigrant", "refugee", "disabled", "deaf", "blind", "old", "young", "woman", "man", "feminist",
]  # fmt: skip


def test_identity_terms_cover_the_required_identities():
    """The identity vocabulary includes every identity the project committed to."""
    terms = {t.term for t in identity.IDENTITY_TERMS}
    assert set(REQUIRED_TERMS) <= terms


def test_identity_training_rows_are_many_deterministic_and_neutral():
    """Templates crossed with terms give a few thousand neutral rows, the same every time."""
    df = identity.training_frame()
    assert 2000 <= len(df) <= 10000
    assert df["text"].is_unique
    assert df["text"].tolist() == identity.training_frame()["text"].tolist()
    assert (df[["toxicity", "insult", "identity_attack"]] == 0).all().all()
    assert df["spam"].isna().all()
    assert list(df.columns) == list(COLUMNS) and (df["source"] == "identity_templates").all()


def test_identity_test_statements_use_other_templates_than_training():
    """No held-out statement can be produced by any training template, nor equals a training row."""
    patterns = [identity.template_pattern(t) for t in identity.TRAIN_TEMPLATES]
    training_keys = {text_key(t) for t in identity.training_texts()}
    for statement in identity.TEST_STATEMENTS:
        assert not any(p.fullmatch(statement) for p in patterns), statement
        assert text_key(statement) not in training_keys


def test_identity_test_statements_mention_identities():
    """About forty held-out statements, each naming at least one identity term."""
    words = {t.term.lower() for t in identity.IDENTITY_TERMS} | {"latina"}
    assert 35 <= len(identity.TEST_STATEMENTS) <= 50
    for statement in identity.TEST_STATEMENTS:
        lowered = statement.lower()
        assert any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words), statement
    held_out = identity.held_out_frame()
    assert (held_out["toxicity"] == 0).all() and (held_out["source"] == "identity_statements").all()


def test_training_templates_produce_every_training_row():
    """template_pattern recognises each template's own output (so the disjointness test has teeth)."""
    patterns = [identity.template_pattern(t) for t in identity.TRAIN_TEMPLATES]
    assert all(any(p.fullmatch(t) for p in patterns) for t in identity.training_texts())


# ----------------------------------------------------------------------------------------------------- evasion


def visible(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


@pytest.mark.parametrize(
    "method, expected",
    [("spacing", "what the f u c k"), ("leet", "what the fv(k")],
)
def test_obfuscation_examples(method, expected):
    """Spacing separates letters; leetspeak falls back to u->v, c->( for words without i, o, e, a, s."""
    assert evasion.obfuscate("what the fuck", method, keywords=["fuck"]) == expected


def test_stretch_repeats_a_vowel():
    """Stretching repeats one letter three to six times."""
    out = evasion.obfuscate("fuck off", "stretch", keywords=["fuck"])
    assert re.fullmatch(r"fu{3,6}ck off", out)


def test_leet_substitutes_the_listed_letters():
    """Leetspeak maps i->1, o->0, e->3, a->4/@, s->5/$."""
    out = evasion.obfuscate("stop being a clown", "leet", keywords=["stop", "being", "a", "clown"])
    assert re.fullmatch(r"[5$]t0p b31ng [4@] cl0wn", out)


def test_homoglyphs_are_cyrillic_or_greek_look_alikes():
    """Homoglyph swaps keep the word's look but not its code points."""
    out = evasion.obfuscate("you moron", "homoglyph", keywords=["moron"])
    assert out != "you moron" and out.startswith("you ")
    assert all(unicodedata.name(ch).split()[0] in ("LATIN", "CYRILLIC", "GREEK") for ch in out[4:])
    assert any(unicodedata.name(ch).startswith(("CYRILLIC", "GREEK")) for ch in out)


def test_zero_width_characters_are_invisible_insertions():
    """Zero-width insertion leaves the visible text unchanged."""
    out = evasion.obfuscate("you idiot", "zero_width", keywords=["idiot"])
    assert out != "you idiot" and visible(out) == "you idiot"


@pytest.mark.parametrize("method", evasion.METHODS)
def test_every_method_changes_every_base_comment_deterministically(method):
    """Each method alters each base comment, the same way for the same seed."""
    base = evasion.base_set()
    for text, keywords in zip(base["text"], base["keywords"]):
        out = evasion.obfuscate(text, method, keywords=keywords, seed=7)
        assert out != text
        assert out == evasion.obfuscate(text, method, keywords=keywords, seed=7)


def test_evasion_base_set_is_ours_and_abusive():
    """The base set has about sixty abusive comments with unique ids and keywords found in their text."""
    base = evasion.base_set()
    assert 55 <= len(base) <= 80
    assert base["id"].is_unique and base["text"].is_unique
    assert (base["toxicity"] == 1).all() and (base["identity_attack"] == 0).all()
    for text, keywords in zip(base["text"], base["keywords"]):
        assert keywords and all(k.lower() in text.lower() for k in keywords)


# -------------------------------------------------------------------------------------------- functional suites

from moderation.datasets import functional  # noqa: E402

ABUSE_CLASSES = {
    "hateful": {"threat_person_direct", "threat_person_indirect", "threat_group_direct", "threat_group_indirect",
                "call_for_violence", "dehumanisation", "hate_nationality", "hate_religion", "hate_ethnicity",
                "hate_gender", "hate_orientation", "hate_disability", "hate_immigrants", "hate_political_group",
                "slurs", "masked_profanity"},
    "contrast": {"identity_neutral", "identity_positive", "counter_speech", "negated_hate", "civil_disagreement",
                 "untargeted_profanity", "criticism_of_government"},
}


def test_abuse_suite_covers_every_class_with_expected_verdicts():
    """The news-comment suite has at least 600 comments over the hateful classes and the contrasts, 25+ each."""
    suite = functional.abuse_suite()
    assert len(suite) >= 600 and suite["id"].is_unique and suite["text"].is_unique
    for kind, names in ABUSE_CLASSES.items():
        part = suite[suite["kind"] == kind]
        assert set(part["class"]) == names
        assert part["class"].value_counts().min() >= 25
        assert set(part["expected"]) == {"hold" if kind == "hateful" else "approve"}


def test_spam_suite_covers_spam_and_look_alikes():
    """The spam suite has at least 200 comments: spam to hold or reject and legitimate look-alikes to approve."""
    suite = functional.spam_suite()
    assert len(suite) >= 200 and suite["id"].is_unique
    assert set(suite["kind"]) == {"spam", "look-alike"}
    assert {"seo_plug", "tech_support_scam", "crypto_investment_scam", "messenger_handle", "phone_number_spam",
            "author_url_compliment", "non_english_link_drop", "source_link", "long_with_numbers"} <= set(suite["class"])
    assert suite["author_url"].notna().sum() >= 30
    assert set(suite.loc[suite["kind"] == "spam", "expected"]) == {"spam"}


@pytest.mark.parametrize("suite", [functional.abuse_suite, functional.spam_suite])
def test_suite_parts_are_fixed_by_the_id(suite):
    """Dev and test parts come from a hash of each id: about 40% dev, stable, and every class in both parts."""
    frame = suite()
    assert frame["part"].tolist() == [functional.part_of(i) for i in frame["id"]]
    assert 0.3 <= (frame["part"] == "dev").mean() <= 0.5
    for _, part in frame.groupby("class"):
        assert set(part["part"]) == {"dev", "test"}
    assert len(suite("dev")) + len(suite("test")) == len(frame)
    with pytest.raises(InvalidDataError, match="part must be one of"):
        suite("train")


def test_suite_texts_are_not_training_templates():
    """No functional-suite comment is an identity training row or an evasion base comment."""
    suite = set(functional.abuse_suite()["text"].map(text_key))
    assert not suite & set(identity.training_frame()["text"].map(text_key))
    assert not suite & set(evasion.base_set()["text"].map(text_key))


def test_score_suite_reports_the_share_handled_as_expected(tiny_moderator):
    """score_suite marks each comment as handled as expected or not; summarise_suite gives shares per class."""
    suite = functional.spam_suite("dev")
    scored = functional.score_suite(tiny_moderator, suite)
    assert len(scored) == len(suite) and scored["as_expected"].dtype == bool
    flagged = scored["verdict"] != "approve"
    assert (scored["as_expected"] == (flagged == (scored["expected"] == "spam"))).all()
    summary = functional.summarise_suite(scored)
    assert {"spam", "look-alike"} <= set(summary.loc[summary["class"] == "all", "kind"])
    assert summary["as_expected"].between(0, 1).all()


from moderation.datasets import synthetic  # noqa: E402

# Generic words a slot filler may share with the suite ("put", "make" are verbs any sentence has).
GENERIC = {"behind", "finish", "gets", "leave", "make", "put"}


def _words(text):
    return re.findall(r"[a-z']+", text.lower())


def test_synthetic_fillers_are_not_words_of_the_suite():
    """No target, dehumanising noun, weapon or violent phrase of the synthetic set is a content word of the suite."""
    from moderation.reasons import FUNCTION_WORDS

    vocabulary = {w for text in functional.abuse_suite()["text"] for w in _words(text)}
    assert not (synthetic.fillers() & vocabulary) - FUNCTION_WORDS - GENERIC


def test_synthetic_sentences_share_no_five_words_with_the_suite():
    """No synthetic sentence shares a run of five words with a functional-suite comment: other frames."""
    grams = {tuple(w[i : i + 5]) for w in map(_words, functional.abuse_suite()["text"]) for i in range(len(w) - 4)}
    for text in synthetic.training_frame()["text"]:
        words = _words(text)
        assert not any(tuple(words[i : i + 5]) in grams for i in range(len(words) - 4)), text


# Pieces of a URL or a number format, not vocabulary.
URL_TOKENS = {"www", "com", "org", "ca", "fr", "en", "s", "t", "x", "gov", "uk", "bc"}


def test_synthetic_spam_fillers_are_not_words_of_the_spam_suite():
    """No brand, trade, domain, coin, messenger, person or citing phrase of the synthetic spam is in the spam suite."""
    from moderation.reasons import FUNCTION_WORDS

    suite = functional.spam_suite()
    texts = list(suite["text"]) + [v for c in ("author", "author_url") for v in suite[c].dropna()]
    vocabulary = {w for text in texts for w in re.findall(r"[^\W\d_]+", text.lower())}
    words = set()
    for slot in ("praise", "trade", "tld", "brand", "trouble", "coin", "messenger", "mentor", "official", "cite"):
        for value in synthetic.SPAM_FILLERS[slot]:
            words.update(re.findall(r"[^\W\d_]+", value.lower()))
    assert not (words & vocabulary) - FUNCTION_WORDS - URL_TOKENS


def test_synthetic_spam_shares_no_five_words_with_the_spam_suite():
    """Other frames than the spam suite's: no synthetic spam or look-alike shares five words in a row with it."""
    grams = {tuple(w[i : i + 5]) for w in map(_words, functional.spam_suite()["text"]) for i in range(len(w) - 4)}
    frame = synthetic.spam_frame()
    assert set(frame["spam"]) == {0.0, 1.0} and frame["text"].is_unique
    for text in frame["text"]:
        words = _words(text)
        assert not any(tuple(words[i : i + 5]) in grams for i in range(len(words) - 4)), text


def test_synthetic_targets_appear_in_hateful_and_contrasting_sentences():
    """Every group is named in hateful and in contrasting rows, so its name cannot carry the label."""
    frame = synthetic.training_frame()
    hateful = frame["toxicity"] == 1
    for plural, _ in synthetic.GROUPS:
        named = frame["text"].str.contains(plural, regex=False)
        assert (named & hateful).any() and (named & ~hateful).any(), plural
    assert 0.4 <= hateful.mean() <= 0.7 and frame["text"].is_unique
    assert set(frame.loc[frame["kind"].str.startswith("threat"), "threat"]) == {1.0}


@pytest.mark.data
def test_real_suite_texts_occur_in_no_dataset(real):
    """No functional-suite comment occurs in any shared dataset: they were written for this project."""
    suite = set(functional.abuse_suite()["text"].map(text_key)) | set(functional.spam_suite()["text"].map(text_key))
    for entry in catalogue():
        assert not suite & set(real(entry.id)["text"].map(text_key)), entry.id


def test_evasion_set_schema_and_size():
    """The evasion set has every base row once per method plus its original, with labels carried over."""
    df = evasion.evasion_set()
    base = evasion.base_set()
    assert len(df) == len(base) * (len(evasion.METHODS) + 1)
    assert list(df.columns) == [*COLUMNS, "original", "method", "base_id"]
    assert (df["toxicity"] == 1).all() and (df["source"] == "evasion").all()
    assert df.equals(evasion.evasion_set())
    assert not df.equals(evasion.evasion_set(seed=1))


def test_evasion_set_accepts_plain_texts():
    """Plain texts get NaN labels and their longest word disguised."""
    df = evasion.evasion_set(["absolutely terrible"], methods=["spacing"], include_original=False)
    assert df["text"].tolist() == ["a b s o l u t e l y terrible"]
    assert df[list(LABELS)].isna().all().all()


def test_unknown_evasion_method_is_rejected():
    """Unknown methods raise InvalidDataError listing the methods."""
    with pytest.raises(InvalidDataError, match="spacing, stretch"):
        evasion.obfuscate("x", "rot13")


# --------------------------------------------------------------------------------------------------- documents


@pytest.mark.parametrize(
    "module", ["", ".sources", ".storage", ".loaders", ".evaluation", ".download", ".identity", ".evasion"]
)
def test_docstring_examples_run(module):
    """The examples in the docstrings are real output."""
    result = doctest.testmod(importlib.import_module("moderation.datasets" + module))
    assert result.failed == 0


def test_readme_examples_run():
    """The examples in datasets/README.md are real output."""
    result = doctest.testfile(str(README), module_relative=False)
    assert result.attempted > 0 and result.failed == 0


# --------------------------------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def real_dir():
    """The shared data directory, or skip."""
    try:
        root = data_dir()
    except DatasetError:
        pytest.skip("no data directory (set MODERATION_DATA)")
    if not (root / "youtube-spam-collection").is_dir():
        pytest.skip(f"{root} holds no shared datasets")
    return root


@pytest.fixture(scope="module")
def real(real_dir):
    """Load a real dataset once per variant (verified against the catalogue)."""
    cache = {}

    def get_frame(name, variant=None):
        if (name, variant) not in cache:
            cache[(name, variant)] = load(name, real_dir, variant=variant)
        return cache[(name, variant)]

    return get_frame


def positives(df, column, split=None, threshold=0.5):
    rows = df if split is None else df[df["split"] == split]
    return int((rows[column] >= threshold).sum())


@pytest.mark.data
def test_real_catalogue_checksums_match_the_shared_sums(real_dir):
    """The catalogue's sha256 equal the SHA256SUMS of every shared folder, file for file."""
    for entry in catalogue():
        sums = read_sha256sums(real_dir / entry.folder / "SHA256SUMS")
        assert sums == {f.path: f.sha256 for f in entry.files}, entry.id
        for data_file in entry.files:
            assert (real_dir / entry.folder / data_file.path).stat().st_size == data_file.size


@pytest.mark.data
def test_real_youtube(real):
    """YouTube: 1,956 comments, 1,005 spam; per video as in the MANIFEST (Eminem 448 / 245)."""
    df = real("youtube")
    assert (len(df), positives(df, "spam")) == (1956, 1005)
    per_video = df.groupby("group")["spam"].agg(["size", "sum"]).astype(int)
    assert per_video.to_dict("index") == {
        "Psy": {"size": 350, "sum": 175},
        "KatyPerry": {"size": 350, "sum": 175},
        "LMFAO": {"size": 438, "sum": 236},
        "Eminem": {"size": 448, "sum": 245},
        "Shakira": {"size": 370, "sum": 174},
    }


@pytest.mark.data
def test_real_sms(real):
    """SMS: 5,574 messages, 747 spam (read without quoting)."""
    df = real("sms")
    assert (len(df), positives(df, "spam")) == (5574, 747)


@pytest.mark.data
def test_real_instagram(real):
    """Instagram comments-rated.csv: 3,444 comments, 1,150 scam."""
    df = real("instagram")
    assert (len(df), positives(df, "spam")) == (3444, 1150)


@pytest.mark.data
def test_real_impermium(real):
    """Impermium: train 3,947 (1,049 insults), test 2,647 (693); verification 2,235 (1,077)."""
    df = real("impermium")
    assert (df["split"] == "train").sum() == 3947 and positives(df, "insult", "train") == 1049
    assert (df["split"] == "test").sum() == 2647 and positives(df, "insult", "test") == 693
    assert not df["text"].str.startswith('"').all()
    assert not df["text"].str.contains(r"\\x[0-9a-f]{2}|\\n").any()
    verification = real("impermium", "verification")
    assert (len(verification), positives(verification, "insult")) == (2235, 1077)


@pytest.mark.data
def test_real_olid(real):
    """OLID: train 13,240 (OFF 4,400; IND 2,407; GRP 1,074), test 860 (OFF 240)."""
    df = real("olid")
    assert (df["split"] == "train").sum() == 13240 and positives(df, "toxicity", "train") == 4400
    assert positives(df, "insult", "train") == 2407 and positives(df, "identity_attack", "train") == 1074
    assert (df["split"] == "test").sum() == 860 and positives(df, "toxicity", "test") == 240


@pytest.mark.data
def test_real_ucc(real):
    """UCC: val 4,427 (hostile 99, antagonize 174, unhealthy 336); test 4,425 (108, 203, 320)."""
    df = real("ucc")
    expected = (("train", 4427, 99, 174, 336), ("test", 4425, 108, 203, 320))
    for split, rows, hostile, antagonize, unhealthy in expected:
        assert (df["split"] == split).sum() == rows
        assert positives(df, "hostile", split) == hostile
        assert positives(df, "insult", split) == antagonize
        assert positives(df, "unhealthy", split) == unhealthy
    # hostile or antagonize; the MANIFEST's "258" for test does not match its own columns (108 + 203 - overlap).
    assert positives(df, "toxicity", "test") == 228


@pytest.mark.data
def test_real_fox(real):
    """Fox News: 1,528 comments, 435 hateful."""
    df = real("fox")
    assert (len(df), positives(df, "toxicity"), positives(df, "identity_attack")) == (1528, 435, 435)


@pytest.mark.data
def test_real_davidson(real):
    """Davidson: 24,783 tweets; hate or offensive 20,620; hate 1,430."""
    df = real("davidson")
    assert (len(df), positives(df, "toxicity"), positives(df, "identity_attack")) == (24783, 20620, 1430)


@pytest.mark.data
def test_real_stormfront(real):
    """Stormfront: 9,507 noHate + 1,196 hate sentences once relation and idk/skip are dropped."""
    df = real("stormfront")
    assert (len(df), positives(df, "toxicity")) == (10703, 1196)


@pytest.mark.data
def test_real_ethos(real):
    """ETHOS binary: 998 comments, 433 with isHate >= 0.5, fractions kept."""
    df = real("ethos")
    assert (len(df), positives(df, "toxicity")) == (998, 433)
    assert df["toxicity"].nunique() == 43


@pytest.mark.data
def test_real_civil_spans(real):
    """Toxic spans: 16,100 posts less 4,796 majority-not-toxic and 29 tied posts; all toxic."""
    df = real("civil_spans")
    assert len(df) == 16100 - 4796 - 29
    assert (df["toxicity"] == 1).all() and (df["n_raters"] >= 3).all()
    assert set(df["insult"].dropna()) == {1.0} and set(df["identity_attack"].dropna()) == {1.0}


@pytest.mark.data
def test_real_wikipedia_identity(real):
    """Wikipedia identity sets: 1,492 comments each, 248 toxic, same labels, 734 texts swapped."""
    real_texts, fuzzed = real("wikipedia_identity"), real("wikipedia_identity", "fuzzed")
    assert (len(real_texts), positives(real_texts, "toxicity")) == (1492, 248)
    assert real_texts["toxicity"].equals(fuzzed["toxicity"])
    assert (real_texts["text"] != fuzzed["text"]).sum() == 734


@pytest.mark.data
def test_real_jigsaw(real):
    """Jigsaw subsets: RobTest 12,176 rows (6,089 toxic), the natural-rate sample 4,963 (645 toxic)."""
    df = real("jigsaw")
    counts = df.groupby("group")["toxicity"].agg(["size", "sum"]).astype(int).to_dict("index")
    assert counts == {"robtest": {"size": 12176, "sum": 6089}, "sample": {"size": 4963, "sum": 645}}


@pytest.mark.data
def test_real_ucc_unlabeled(real):
    """UCC train texts: 35,456 comments, no labels, none empty."""
    df = real("ucc_unlabeled")
    assert len(df) == 35456 and df[list(LABELS)].isna().all().all()
    assert (df["text"].str.strip() != "").all()


@pytest.mark.data
def test_real_cross_source_rows(real):
    """Cross-source rows score the fixed test sides (Impermium 2,647, OLID 860, UCC 4,425) and all of the rest."""
    sizes = {t.name: len(datasets.cross_source_rows(t, real(t.dataset))) for t in datasets.cross_source()}
    assert sizes["impermium"] == 2647 and sizes["olid"] == 860 and sizes["ucc-hostile"] == 4425
    assert sizes["jigsaw-robtest"] == 12176 and sizes["jigsaw-sample"] == 4963
    assert sizes["fox"] == 1528 and sizes["youtube"] == 1956 and sizes["sms"] < 5574


@pytest.mark.data
def test_real_protocol_splits_are_deterministic_and_disjoint(real):
    """On the real data every task's splits repeat exactly and never share a text across sides."""
    for t in protocol():
        df = real(t.dataset, t.variant)
        folds = list(split_indices(t, df))
        for (train, test), (train2, test2) in zip(folds, split_indices(t, df)):
            assert np.array_equal(train, train2) and np.array_equal(test, test2)
            keys = df["text"].map(text_key).to_numpy()
            assert not set(keys[train]) & set(keys[test]), t.name


@pytest.mark.data
def test_real_fetch_verifies_against_the_real_catalogue(real_dir, tmp_path):
    """Serving the real bytes at the catalogue URL passes the catalogue's own checksums."""
    entry = get("ethos")
    served = {f.url: (real_dir / entry.folder / f.path).read_bytes() for f in entry.data_files}
    fetch("ethos", tmp_path, urlopen=FakeWeb(served))
    assert len(load("ethos", tmp_path)) == 998 and len(load("ethos", tmp_path, variant="multilabel")) == 433
