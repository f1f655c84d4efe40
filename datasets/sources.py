"""The dataset catalogue: what each shared dataset is, where it came from, and what it may be used for.

Every entry describes one folder of the shared data directory (see ``storage.data_dir``): its files with their
sha256, its license and whether a model trained on it may be used commercially, where to download it, how to cite
it, and how its native columns map onto the library's labels (``moderation.labels.LABELS``).
The data itself never lives in this repository.

It is longer than 500 lines because it is data, not logic: twelve entries of about sixty lines each, kept in one
file so the whole catalogue reads as one table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from moderation.errors import DatasetError
from moderation.labels import IDENTITY_ATTACK, INSULT, PROFANITY, SPAM, THREAT, TOXICITY

__all__ = ["DataFile", "Dataset", "catalogue", "get"]

#: Roles of a file in a dataset folder.
#: ``data``: read by the loader (in some variant); ``extra``: other upstream data the loader does not read;
#: ``doc``: upstream README / license, kept for provenance.
FILE_ROLES = ("data", "extra", "doc")


@dataclass(frozen=True)
class DataFile:
    """One file of a dataset folder.

    Parameters
    ----------
    path : str
        Path inside the dataset folder, with ``/`` separators.
    sha256 : str
        Hex sha256 of the exact bytes (the folder's ``SHA256SUMS`` lists the same value).
    size : int
        Size in bytes.
    role : str
        One of ``FILE_ROLES``.
    url : str or None
        A direct download URL for exactly these bytes, or None.
    archive_url : str or None
        A zip archive that holds the file, when there is no per-file URL.
    archive_member : str or None
        The file's name inside ``archive_url``.
    """

    path: str
    sha256: str
    size: int
    role: str = "data"
    url: str | None = None
    archive_url: str | None = None
    archive_member: str | None = None

    @property
    def fetchable(self) -> bool:
        """Whether `fetch` can download this file by itself."""
        return self.url is not None or (self.archive_url is not None and self.archive_member is not None)


@dataclass(frozen=True)
class Dataset:
    """A catalogue entry: one shared dataset.

    Attributes
    ----------
    id : str
        The short name used by `load`, `fetch` and the evaluation protocol (``"youtube"``, ``"olid"``, ...).
    folder : str
        The folder's name inside the data directory.
    title, domain : str
        What the data is and where the texts were written.
    kind : str
        ``"spam"``, ``"abuse"``, or ``"unlabeled"`` (comment texts without labels: `labels` is empty).
    files : tuple of DataFile
        Every file listed in the folder's ``SHA256SUMS``.
    variants : tuple of (str, tuple of str)
        Named ways to load the dataset and the files each one reads; the first is the default.
    labels : tuple of str
        The labels of ``LABELS`` this dataset gives values for (the others are NaN).
    label_mapping : tuple of (str, str)
        For each label in `labels`, the rule that derives it from the native columns.
    extra_columns : tuple of str
        Columns the loader adds besides the standard schema.
    license : str
        The license as stated upstream.
    commercial_use : bool
        True only where the license clearly allows commercial use of a model trained on the data.
    license_note : str
        Why `commercial_use` is what it is, and any restriction worth knowing.
    homepage : str
        The canonical page to get the data from.
    source : str
        Where the staged bytes were copied from (repository, commit, path).
    citation : str
        What to cite.
    fetch_note : str
        For datasets `fetch` cannot download: where and how to get the files.
    """

    id: str
    folder: str
    title: str
    domain: str
    kind: str
    files: tuple[DataFile, ...]
    variants: tuple[tuple[str, tuple[str, ...]], ...]
    labels: tuple[str, ...]
    label_mapping: tuple[tuple[str, str], ...]
    license: str
    commercial_use: bool
    license_note: str
    homepage: str
    source: str
    citation: str
    extra_columns: tuple[str, ...] = ()
    fetch_note: str = ""
    quirks: tuple[str, ...] = field(default=())

    @property
    def default_variant(self) -> str:
        """The variant `load` uses when none is asked for."""
        return self.variants[0][0]

    def variant_files(self, variant: str | None = None) -> tuple[str, ...]:
        """The files the loader reads for `variant` (the default variant when None).

        Raises
        ------
        DatasetError
            If the dataset has no such variant.
        """
        name = self.default_variant if variant is None else variant
        for known, paths in self.variants:
            if known == name:
                return paths
        known_names = ", ".join(v for v, _ in self.variants)
        raise DatasetError(f"dataset {self.id!r} has no variant {name!r}; known variants: {known_names}")

    def file(self, path: str) -> DataFile:
        """The catalogue record of the file at `path` inside the folder."""
        for data_file in self.files:
            if data_file.path == path:
                return data_file
        raise DatasetError(f"dataset {self.id!r} has no file {path!r} in the catalogue")

    @property
    def data_files(self) -> tuple[DataFile, ...]:
        """The files some variant of the loader reads."""
        return tuple(f for f in self.files if f.role == "data")

    @property
    def fetchable(self) -> bool:
        """Whether `fetch` can download every file the loader reads."""
        return all(f.fetchable for f in self.data_files)


def _raw(repo: str, commit: str, path: str) -> str:
    """A GitHub raw URL pinned to a commit, so the bytes cannot change under the recorded sha256."""
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{path}"


_YOUTUBE_ZIP = "https://archive.ics.uci.edu/static/public/380/youtube+spam+collection.zip"
_SMS_ZIP = "https://archive.ics.uci.edu/static/public/228/sms+spam+collection.zip"
_YOUTUBE_VIDEOS = (
    ("Youtube01-Psy.csv", "19797e6c77690e3c8809cfd2853ae7341390636367ba66cf5d4f4083f0b88535", 57438),
    ("Youtube02-KatyPerry.csv", "902c614f8ef24f987d6f614d7e6111aa5160b89a0646b68e007bd6044a3d123b", 64279),
    ("Youtube03-LMFAO.csv", "702ef589860a1831956f527760a3d9737ef8a07ab36c7de35b92b8898b8c3928", 64419),
    ("Youtube04-Eminem.csv", "92f54eb6b22fdf3b7ae85e1f500e5aa7442edd025e504b988a97078756187e76", 82896),
    ("Youtube05-Shakira.csv", "1d8ab47b71e8037c51183b2fc62f0591a48a4b54f3a4f5d9d3043113b274e98e", 72706),
)

_INSTAGRAM = ("ScamSpot/scamspot_ig-comment-scraper", "84f5ef098052b06f41dd66bb6035429b32879da4")
_UCC = ("conversationai/unhealthy-conversations", "55934d0079073095af8b69807d235e40c8aceff4")
_FOX = ("sjtuprog/fox-news-comments", "914b6bcdff380b16b6a11818e4760529fe23f2f3")
_SPANS = ("ipavlopoulos/toxic_spans", "beaf170538df8275c3447b2e26070f2f82e55272")
_DAVIDSON = ("t-davidson/hate-speech-and-offensive-language", "cb50f7e9eb855a99abc51423bf40df0e26d6fe30")
_STORMFRONT = ("Vicomtech/hate-speech-dataset", "b802137e8314c38a8d4faa965f9908d6c8e7a84d")
_ETHOS = ("intelligence-csd-auth-gr/Ethos-Hate-Speech-Dataset", "705258e118ce9611ebbd5ab2a4841b0066547293")
_WIKI = ("conversationai/unintended-ml-bias-analysis", "9c7d91aaa53406a362354661a93e07956d95e59a")
_WIKI_DIR = "archive/unintended_ml_bias/eval_datasets"
_ROBTEST = ("Hongcheng-Gao/RobTest-Demo", "ed917c2546bda37908f65e417d28722520eac615")
_AK = ("AK-Algorithm/Toxic-Comment-Classification", "a3867eec993c2c371fac3b9286995316ef075720")
_UCC_TEXTS = ("jwa018/unhealthy-conversations", "ab5c5d78d9d887f8cd6c34479d5382106ee8e598")

_CATALOGUE: tuple[Dataset, ...] = (
    Dataset(
        id="youtube",
        folder="youtube-spam-collection",
        title="YouTube Spam Collection v.1 (TubeSpam), UCI #380",
        domain="YouTube comments on five music videos (2013-2015)",
        kind="spam",
        files=tuple(
            DataFile(name, digest, size, "data", archive_url=_YOUTUBE_ZIP, archive_member=name)
            for name, digest, size in _YOUTUBE_VIDEOS
        ),
        variants=(("standard", tuple(name for name, _, _ in _YOUTUBE_VIDEOS)),),
        labels=(SPAM,),
        label_mapping=((SPAM, "CLASS (1 spam, 0 ham)"),),
        extra_columns=("author",),
        license="CC BY 4.0 (UCI)",
        commercial_use=True,
        license_note="CC BY 4.0 allows commercial use with attribution; the authors also ask users to cite the paper "
        "and to e-mail them. Comment texts and author names belong to the YouTube users.",
        homepage="https://archive.ics.uci.edu/dataset/380/youtube+spam+collection",
        source="C0D3-BR3AK3R/HadoopFinalNCU-Project@c1c9490617ac3b214f9ff7ebf011f2ac59a523c4 data/ "
        "(byte-identical to the UCI zip members)",
        citation="T. C. Alberto, J. V. Lochter, T. A. Almeida. TubeSpam: Comment Spam Filtering on YouTube. "
        "ICMLA 2015, pp. 138-143. doi:10.1109/ICMLA.2015.37",
        fetch_note="Fetched from the UCI zip; each member is checked against its sha256.",
        quirks=(
            "Youtube04-Eminem.csv line 271 opens a quote that never closes; a standard CSV parser folds 6 physical "
            "lines into one spam row, giving the official 448 rows.",
            "DATE and COMMENT_ID leak the label (empty dates and LneaDw26bF ids are spam in Eminem): never loaded.",
            "CONTENT keeps HTML, entities and trailing U+FEFF; the library's normaliser handles them.",
        ),
    ),
    Dataset(
        id="sms",
        folder="sms-spam-collection",
        title="SMS Spam Collection v.1, UCI #228",
        domain="SMS messages (UK and Singapore, 2000s); auxiliary spam text",
        kind="spam",
        files=(
            DataFile(
                "SMSSpamCollection",
                "7d039a24a6083ed9ef0f806ebad56bbb976e3aeb8de05669173bfdc4996c239d",
                477907,
                "data",
                archive_url=_SMS_ZIP,
                archive_member="SMSSpamCollection",
            ),
            DataFile("readme", "656da9ff765ddeb69841ef429e3ad65f2207a9f410892a6f04f06542426fb75c", 5793, "doc"),
        ),
        variants=(("standard", ("SMSSpamCollection",)),),
        labels=(SPAM,),
        label_mapping=((SPAM, "label == 'spam'"),),
        license="CC BY 4.0 (UCI)",
        commercial_use=True,
        license_note="CC BY 4.0 allows commercial use with attribution; the authors' readme provides the corpus "
        "'for free and with no limitations' beyond copyright notice and disclaimers.",
        homepage="https://archive.ics.uci.edu/dataset/228/sms+spam+collection",
        source="saurabh1105/Spam-classfication-@5cab5fa12d31d4766924638084ae0eed4353cb81 "
        "smsspamcollection/SMSSpamCollection (identical to the UCI zip member)",
        citation="T. A. Almeida, J. M. Gomez Hidalgo, A. Yamakami. Contributions to the Study of SMS Spam Filtering: "
        "New Collection and Results. DocEng 2011.",
        fetch_note="Fetched from the UCI zip; the member is checked against its sha256.",
        quirks=(
            "Tab-separated without quoting: read with quoting=csv.QUOTE_NONE (line 5,082 starts with an unbalanced "
            "quote that a quoting parser would run into the next lines).",
            "403 exact duplicate messages; the protocol drops duplicates before folding.",
        ),
    ),
    Dataset(
        id="instagram",
        folder="instagram-scam-comments-scamspot",
        title="ScamSpot Instagram scam/spam comments",
        domain="Instagram comments under finance, crypto and business-news posts (2023)",
        kind="spam",
        files=(
            DataFile(
                "comments-rated.csv",
                "097bdb0fce366bfcea86e504586dda379eb02f7367f2d02320aceb412421d901",
                413077,
                "data",
                url=_raw(*_INSTAGRAM, "data/comments-rated.csv"),
            ),
            DataFile(
                "comments-rated-plus-reported.csv",
                "c9cf8b6dd0d16d3bc7941d19a323677bc4ecff619ca5161127356e629f7796a6",
                431426,
                "extra",
                url=_raw(*_INSTAGRAM, "data/comments-rated-plus-reported.csv"),
            ),
            DataFile(
                "comments_extracted.json",
                "2de275d83ef7693e08b1e411540b2d29dd30d4aa3e753c094917c74612324682",
                3321511,
                "extra",
                url=_raw(*_INSTAGRAM, "data/comments_extracted.json"),
            ),
        ),
        variants=(("standard", ("comments-rated.csv",)),),
        labels=(SPAM,),
        label_mapping=((SPAM, "scam (1 scam/spam, 0 real)"),),
        license="MIT",
        commercial_use=True,
        license_note="MIT allows commercial use. Caveat: the texts were scraped from Instagram by the licensor, not "
        "written by them; use for training and evaluation, never redistribute the texts inside the package.",
        homepage="https://github.com/ScamSpot/scamspot_ig-comment-scraper/tree/main/data",
        source=f"{_INSTAGRAM[0]}@{_INSTAGRAM[1]} data/",
        citation="Stefan Erben. ScamSpot: Instagram comment scraper and scam/spam annotations. GitHub, 2023.",
        quirks=(
            "Texts are already lower-cased with commas, quotes and newlines replaced by spaces.",
            "Silver labels (one annotator plus a phrase-list auto-labeller); 9 texts carry both labels.",
            "Only comments-rated.csv is loaded; the plus-reported rows are separable by casing alone.",
        ),
    ),
    Dataset(
        id="impermium",
        folder="kaggle-impermium-insults-2012",
        title='Kaggle "Detecting Insults in Social Commentary" (Impermium, 2012)',
        domain="reader comments on news and blog sites",
        kind="abuse",
        files=(
            DataFile("train.csv", "523e0215c52ac483a4e6fe6ae078cd5d436221f07a89331edc572dca44e4c11e", 850466),
            DataFile(
                "test_with_solutions.csv", "f009da3fd2d954bc23fc56e129d28fa8acd0941d3da5fcda1aa88ac83b6cfaa1", 618051
            ),
            DataFile(
                "impermium_verification_labels.csv",
                "8e0a14007f4b30fbcd60ba886131da3d2961599314f3f76993d196e8f73b93ae",
                332543,
            ),
            DataFile(
                "impermium_verification_set.csv",
                "c91163ea84cfa36a3d651f79e8957a848434b07baf2de4cbfde51c36d1bbcb5b",
                330308,
                "extra",
            ),
        ),
        variants=(
            ("standard", ("train.csv", "test_with_solutions.csv")),
            ("verification", ("impermium_verification_labels.csv",)),
        ),
        labels=(TOXICITY, INSULT),
        label_mapping=(
            (TOXICITY, "Insult (an insult to a participant is toxic)"),
            (INSULT, "Insult"),
        ),
        license="Kaggle competition rules (no open license)",
        commercial_use=False,
        license_note="Competition data under Kaggle's rules with no explicit open license; redistribution and "
        "commercial use are unclear, so research and internal evaluation only.",
        homepage="https://www.kaggle.com/c/detecting-insults-in-social-commentary/data",
        source="opt-out-tools/opt-out@12e59c8a8c3531f309ab758f9907877ff805ea4d data/",
        citation="Impermium / Kaggle (2012). Detecting Insults in Social Commentary. "
        "https://www.kaggle.com/c/detecting-insults-in-social-commentary",
        fetch_note="Only on Kaggle, behind a login and the competition rules: download train.csv, "
        "test_with_solutions.csv and the verification files from "
        "https://www.kaggle.com/c/detecting-insults-in-social-commentary/data into the folder "
        "kaggle-impermium-insults-2012/ of your data directory.",
        quirks=(
            "Comment is wrapped in an extra pair of quotes and unicode-escaped, sometimes two or three times over "
            "(\\\\n, \\\\xc2\\\\xa0); escaped UTF-8 bytes must be re-decoded.",
            "The verification set overlaps train (30 texts) and test (22): loaded only as variant='verification'.",
        ),
    ),
    Dataset(
        id="olid",
        folder="olid-offenseval2019",
        title="OLID v1.0 (OffensEval 2019, SemEval-2019 Task 6)",
        domain="tweets (@USER and URL placeholders)",
        kind="abuse",
        files=(
            DataFile(
                "olid-training-v1.0.tsv", "d976bd6faf7800571d06aa4fda00c11c1d39e6fd139747067f683d0c6e76d31f", 1975156
            ),
            DataFile("testset-levela.tsv", "5fff16b4fc474b859540200ef7befd42883fc42810e0a18d3bd621ba90b9cb9e", 134373),
            DataFile(
                "testset-levelb.tsv", "41abbafc96f7ec364ce3570b0a788f93cd18066dcfb1ccaa5337641264a26097", 35688, "extra"
            ),
            DataFile(
                "testset-levelc.tsv", "a115ebe69cc9aefc69027dca83c69b813c0cc82f02c13d4ba1162a80ec9fd235", 33017, "extra"
            ),
            DataFile("labels-levela.csv", "f301af1a52210727e6601958e7b9795a0b22d81f51f9ad8e1870c503c684fc31", 9470),
            DataFile(
                "labels-levelb.csv", "81b17b95426b5f5a5c0352bdd0c084915ff06329ac124197ed7e9a931beafc7a", 2650, "extra"
            ),
            DataFile(
                "labels-levelc.csv", "a9923225d60105b90f3ca1c10e46d388f24d2989004d1b49843ca5a240ac7897", 2353, "extra"
            ),
            DataFile(
                "olid-annotation.txt", "0d34254051fad1b2d423627ceb775bd46a09287a0f78e52b3720e8c67416a2a7", 4580, "doc"
            ),
            DataFile(
                "UPSTREAM_README.txt", "0ede30285b216c6679626be3746813d0975e18fd6f7aa6e659181d85614bedcd", 4659, "doc"
            ),
        ),
        variants=(("standard", ("olid-training-v1.0.tsv", "testset-levela.tsv", "labels-levela.csv")),),
        labels=(TOXICITY, INSULT, IDENTITY_ATTACK),
        label_mapping=(
            (TOXICITY, "subtask_a == 'OFF' (train and test)"),
            (INSULT, "train only: 1 if subtask_b == 'TIN' and subtask_c == 'IND', 0 if subtask_a == 'NOT', else NaN"),
            (IDENTITY_ATTACK, "train only: 1 if subtask_c == 'GRP', 0 if subtask_a == 'NOT', else NaN"),
        ),
        license="none stated (research use with citation)",
        commercial_use=False,
        license_note="The distribution has no license file; its README only asks for citation. Without a grant, "
        "commercial use is not clearly allowed.",
        homepage="https://sites.google.com/site/offensevalsharedtask/olid",
        source="wenliangdai/multi-task-offensive-language-detection@6c2071a677e7380c026b2bd59338370f9807e1da OLIDv1.0/",
        citation="Zampieri, M. et al. (2019). Predicting the Type and Target of Offensive Posts in Social Media. "
        "NAACL 2019.",
        fetch_note="Distributed as OLIDv1.0.zip from https://sites.google.com/site/offensevalsharedtask/olid "
        "(no direct file URL). Unzip it into olid-offenseval2019/ of your data directory. The staged "
        "labels-level*.csv files start with an 'id,label' line that the official zip may lack, so their sha256 "
        "can differ: load with verify='folder' after writing your own SHA256SUMS if so.",
        quirks=(
            "Tweets contain stray quote characters: read the TSVs with quoting=csv.QUOTE_NONE.",
            "Missing sub-task labels are the literal string NULL.",
            "labels-levela.csv has an 'id,label' header line; rows whose id is not numeric are dropped.",
        ),
    ),
    Dataset(
        id="ucc",
        folder="unhealthy-comments-corpus-ucc",
        title="Unhealthy Comments Corpus (UCC)",
        domain="reader comments on The Globe and Mail opinion articles (news comments)",
        kind="abuse",
        files=(
            DataFile(
                "val.csv",
                "4968adb126904bb8778ff4da5c91db5e98f065a8ce3d11026017f227bf47ee69",
                809611,
                url=_raw(*_UCC, "corpus/val.csv"),
            ),
            DataFile(
                "test.csv",
                "e657c55978bd67290c1867b04dc64a0ee8c868073979953656349d54cacb1758",
                805078,
                url=_raw(*_UCC, "corpus/test.csv"),
            ),
            DataFile(
                "UPSTREAM_README.md",
                "a8a77a5b3ea608199e81edde094a0cd020f02d0bd6d2eb2e7a2ec26dc2aa2da1",
                4624,
                "doc",
                url=_raw(*_UCC, "README.md"),
            ),
            DataFile(
                "UPSTREAM_LICENSE.md",
                "af662157a4f2e47b5fefde500141853e1f7d160ba0dda95546229b5e60a93f6d",
                19089,
                "doc",
                url=_raw(*_UCC, "LICENSE.md"),
            ),
        ),
        variants=(("standard", ("val.csv", "test.csv")),),
        labels=(TOXICITY, INSULT),
        label_mapping=(
            (TOXICITY, "hostile == 1 or antagonize == 1"),
            (INSULT, "antagonize (antagonistic / insulting / trolling)"),
        ),
        extra_columns=("hostile", "unhealthy"),
        license="CC BY-NC-SA 4.0",
        commercial_use=False,
        license_note="Non-commercial and share-alike: fine for research and evaluation, not for a commercially "
        "used model.",
        homepage="https://github.com/conversationai/unhealthy-conversations/tree/master/corpus",
        source=f"{_UCC[0]}@{_UCC[1]} corpus/",
        citation="Price, I. et al. (2020). Six Attributes of Unhealthy Conversations. WOAH 2020.",
        quirks=(
            "train.csv (~35k rows) is not staged; val.csv plays the train side of the protocol.",
            "Heavily imbalanced: hostile 2.4% of test.",
        ),
    ),
    Dataset(
        id="fox",
        folder="fox-news-user-comments-2017",
        title="Fox News User Comments (Gao & Huang 2017)",
        domain="reader comments on 10 Fox News article threads (news comments)",
        kind="abuse",
        files=(
            DataFile(
                "fox-news-comments.json",
                "059152e61f632f1e6671a68214d5618a21e6cf78f2512773e0421b9568aab8cf",
                1097571,
                url=_raw(*_FOX, "fox-news-comments.json"),
            ),
            DataFile(
                "comment-url.txt",
                "4eaa1b749aa81df539a2af93380b020f2c766b19203cb8e0f22ec3cb8c3e4502",
                1158,
                "extra",
                url=_raw(*_FOX, "comment-url.txt"),
            ),
            DataFile(
                "UPSTREAM_README.md",
                "d8c144e7b4310f1cc2bc466ca6bdcc00d614b36fdd665f64e686b233ea240a34",
                666,
                "doc",
                url=_raw(*_FOX, "README.md"),
            ),
            DataFile(
                "UPSTREAM_LICENSE",
                "dea637fcd79022f6a56cb96c1c5b4e7ee50a8ecfd4da4eaeeeb7fa615c7a69cd",
                1098,
                "doc",
                url=_raw(*_FOX, "LICENSE"),
            ),
        ),
        variants=(("standard", ("fox-news-comments.json",)),),
        labels=(TOXICITY, IDENTITY_ATTACK),
        label_mapping=(
            (TOXICITY, "label (1 hateful)"),
            (IDENTITY_ATTACK, "label (1 hateful: the annotation targets hate speech)"),
        ),
        extra_columns=("author",),
        license="MIT",
        commercial_use=True,
        license_note="The README states MIT (the LICENSE file is a mistakenly pasted AngularJS MIT text); MIT "
        "allows commercial use with attribution. The comments contain user screen names.",
        homepage="https://github.com/sjtuprog/fox-news-comments",
        source=f"{_FOX[0]}@{_FOX[1]}",
        citation="Gao, L., Huang, R. (2017). Detecting Online Hate Speech Using Context Aware Models. RANLP 2017. "
        "arXiv:1710.07395",
        quirks=("JSON Lines; labels are hate speech specifically, so profane non-hateful comments can be 0.",),
    ),
    Dataset(
        id="davidson",
        folder="davidson2017-hate-offensive",
        title="Hate Speech and Offensive Language (Davidson et al. 2017)",
        domain="tweets sampled with a hate-speech lexicon",
        kind="abuse",
        files=(
            DataFile(
                "labeled_data.csv",
                "fcb8bc7c68120ae4af04a5b9acd58585513ede11e1548ebf36a5c2040b6f6281",
                2546446,
                url=_raw(*_DAVIDSON, "data/labeled_data.csv"),
            ),
            DataFile(
                "UPSTREAM_data_readme.md",
                "bc61daf206147999c57530b9f11c6d96e5e175fffee1ebba9aadb96e87836e61",
                642,
                "doc",
                url=_raw(*_DAVIDSON, "data/readme.md"),
            ),
            DataFile(
                "UPSTREAM_LICENSE",
                "3ec8d318cf9e36fe40da3081f5a64ebe3d198ebf85a330cbebc84de90a047fb2",
                1069,
                "doc",
                url=_raw(*_DAVIDSON, "LICENSE"),
            ),
        ),
        variants=(("standard", ("labeled_data.csv",)),),
        labels=(TOXICITY, IDENTITY_ATTACK),
        label_mapping=(
            (TOXICITY, "class in {0 hate, 1 offensive}"),
            (IDENTITY_ATTACK, "class == 0 (hate speech)"),
        ),
        license="MIT",
        commercial_use=True,
        license_note="MIT allows commercial use with attribution; the tweets themselves are Twitter content. "
        "Known dialect bias (AAE over-labelled offensive).",
        homepage="https://github.com/t-davidson/hate-speech-and-offensive-language",
        source=f"{_DAVIDSON[0]}@{_DAVIDSON[1]} data/",
        citation="Davidson, T., Warmsley, D., Macy, M., Weber, I. (2017). Automated Hate Speech Detection and the "
        "Problem of Offensive Language. ICWSM 2017. doi:10.1609/icwsm.v11i1.14955",
        quirks=(
            "Abusive (class 0 or 1) is the majority class (83%), the reverse of a news-comment stream.",
            "HTML entities and 'RT @user:' prefixes are left in the tweets.",
        ),
    ),
    Dataset(
        id="stormfront",
        folder="stormfront-hate-speech-2018",
        title="Hate Speech Dataset from a White Supremacy Forum (de Gibert et al. 2018)",
        domain="sentences of Stormfront forum posts",
        kind="abuse",
        files=(
            DataFile(
                "annotations_metadata.csv",
                "306bfaab400e1542529d1791b9ec68d70bed579c52fc7e255b0626ab7bc5c7c9",
                348556,
                url=_raw(*_STORMFRONT, "annotations_metadata.csv"),
            ),
            DataFile("sentences.tsv", "9ecea0eb78945a68584aa462da265cb4650ac13fbcb9b56027dd29fa744adf99", 1112930),
            DataFile(
                "sampled_train_files.txt",
                "688adcf1543162b8a16808f58ceeffea28332fb934b3c67cce70726b02c6b5c7",
                28737,
                "extra",
            ),
            DataFile(
                "sampled_test_files.txt",
                "94e21074e36628de188d9fd3228301c8b7b1afab7ef340e6ee2a91875542a067",
                7175,
                "extra",
            ),
            DataFile(
                "UPSTREAM_README.md",
                "54eb84245602ad6257c07ee38fe356d09270d0f1e713b2a7dd482ab7294586dd",
                3023,
                "doc",
                url=_raw(*_STORMFRONT, "README.md"),
            ),
            DataFile(
                "UPSTREAM_LICENSE",
                "4d4d0674cda88cf00506c04f99ded5d9db7b98d51f71955ffaf39cece6453461",
                284,
                "doc",
                url=_raw(*_STORMFRONT, "LICENSE"),
            ),
        ),
        variants=(("standard", ("sentences.tsv", "annotations_metadata.csv")),),
        labels=(TOXICITY, IDENTITY_ATTACK),
        label_mapping=(
            (TOXICITY, "label == 'hate' (rows labelled 'relation' or 'idk/skip' are dropped)"),
            (IDENTITY_ATTACK, "label == 'hate'"),
        ),
        license="CC BY-SA 3.0 ES",
        commercial_use=False,
        license_note="Share-alike: whether a trained model is an adaptation that must carry the same license is "
        "unsettled, so it is not counted as clearly allowing commercial use.",
        homepage="https://github.com/Vicomtech/hate-speech-dataset",
        source=f"{_STORMFRONT[0]}@{_STORMFRONT[1]}; all_files/*.txt packed into sentences.tsv",
        citation="de Gibert, O., Perez, N., Garcia-Pablos, A., Cuadros, M. (2018). Hate Speech Dataset from a White "
        "Supremacy Forum. ALW2 2018. doi:10.18653/v1/W18-5102",
        fetch_note="sentences.tsv is packed from the upstream repository's 10,944 all_files/*.txt files (one "
        "sentence each) and has no download URL: copy the folder stormfront-hate-speech-2018/ from the shared "
        "data directory, or clone https://github.com/Vicomtech/hate-speech-dataset and pack "
        "all_files/<file_id>.txt into a tab-separated sentences.tsv with columns file_id, text.",
        quirks=("Sentence-level labels; 'relation' sentences are hateful only with their context.",),
    ),
    Dataset(
        id="ethos",
        folder="ethos-hate-speech",
        title="ETHOS binary hate speech dataset (Mollas et al. 2022)",
        domain="YouTube and Reddit comments",
        kind="abuse",
        files=(
            DataFile(
                "Ethos_Dataset_Binary.csv",
                "0cd0050c2592afcb5eca5876df485ca15cda9d7d16fe32c269857260fd10d96c",
                123919,
                url=_raw(*_ETHOS, "ethos/ethos_data/Ethos_Dataset_Binary.csv"),
            ),
            DataFile(
                "Ethos_Dataset_Multi_Label.csv",
                "488c72a1582abdaf489a6e9eceeebba505447a00a25bd02e72fd6a56f9a3d83d",
                62836,
                url=_raw(*_ETHOS, "ethos/ethos_data/Ethos_Dataset_Multi_Label.csv"),
            ),
            DataFile(
                "UPSTREAM_README.md",
                "86f03b0a4feeab9d3911da9467e0663aebcba199c0de0343262a50f0a351bb9a",
                2087,
                "doc",
                url=_raw(*_ETHOS, "README.md"),
            ),
        ),
        variants=(("standard", ("Ethos_Dataset_Binary.csv",)), ("multilabel", ("Ethos_Dataset_Multi_Label.csv",))),
        labels=(TOXICITY, IDENTITY_ATTACK, THREAT),
        label_mapping=(
            (TOXICITY, "isHate, kept as the fraction of annotators (the protocol thresholds at 0.5); 1 in the "
             "multilabel variant, whose comments are all hateful"),
            (IDENTITY_ATTACK, "isHate (fraction); 1 in the multilabel variant"),
            (THREAT, "multilabel variant only: violence (fraction of annotators); NaN in the binary file"),
        ),
        license="GPL-3.0",
        commercial_use=False,
        license_note="GPL-3.0 is copyleft: a model trained on it may have to be distributed under the GPL, which "
        "does not fit a differently licensed product. Evaluation only.",
        homepage="https://github.com/intelligence-csd-auth-gr/Ethos-Hate-Speech-Dataset/tree/master/ethos/ethos_data",
        source=f"{_ETHOS[0]}@{_ETHOS[1]} ethos/ethos_data/",
        citation="Mollas, I., Chrysopoulou, Z., Karlos, S., Tsoumakas, G. (2022). ETHOS: a multi-label hate speech "
        "detection dataset. Complex & Intelligent Systems. doi:10.1007/s40747-021-00608-2",
        quirks=(
            "Semicolon-separated, no trailing newline; isHate is a fraction in [0, 1].",
            "The multilabel file holds the 433 hateful comments again, with violence, directed_vs_generalized and "
            "the targets as fractions: variant='multilabel' (evaluation of threat among hateful comments).",
        ),
    ),
    Dataset(
        id="civil_spans",
        folder="civil-comments-toxic-spans",
        title="ToxicSpans: Civil Comments posts with toxic-span annotations (SemEval-2021 Task 5, ACL 2022)",
        domain="reader comments from the Civil Comments plug-in on ~50 news sites (news comments)",
        kind="abuse",
        files=(
            DataFile(
                "comments.csv",
                "76cd6ebd10a890d269c0a7e5e451f3da12375219906f314fd9cfb1e18b1a905f",
                3530155,
                url=_raw(*_SPANS, "data/comments.csv"),
            ),
            DataFile(
                "annotations.csv",
                "f67725aa9de73cd4ef9050222f6ae985ef0e33e8da89cb8137ffeb9a1d0fc32b",
                1978724,
                url=_raw(*_SPANS, "data/annotations.csv"),
            ),
            DataFile(
                "spans.csv",
                "389c6964db5d96d79ecfe038aa4ffe04abafd64b6d6427fbad4ec7fb2c7672aa",
                1016622,
                url=_raw(*_SPANS, "data/spans.csv"),
            ),
            DataFile(
                "SemEval2021/tsd_train.csv",
                "b538ea2d64ed7c306ff8f010a25a5286bef6ce61d469042482ba64efc1ddd6cd",
                2281497,
                "extra",
                url=_raw(*_SPANS, "SemEval2021/data/tsd_train.csv"),
            ),
            DataFile(
                "SemEval2021/tsd_trial.csv",
                "6bb8e9a16470c0269ac8727fd8bb77df68d8fb27955d9f5ff29ad724505622e8",
                185506,
                "extra",
                url=_raw(*_SPANS, "SemEval2021/data/tsd_trial.csv"),
            ),
            DataFile(
                "SemEval2021/tsd_test.csv",
                "74f4dd086667fdad6198539ff9201d1f25f3a94c5169da1e7643a949974bf6b8",
                445951,
                "extra",
                url=_raw(*_SPANS, "SemEval2021/data/tsd_test.csv"),
            ),
            DataFile(
                "UPSTREAM_README.md",
                "8b3c53da72ea10393bffeecf328d40745f0bdabf0f156c05746a20f6787eb418",
                1636,
                "doc",
                url=_raw(*_SPANS, "README.md"),
            ),
            DataFile(
                "UPSTREAM_ACL2022_README.md",
                "47206428850f187e32656e882c2a91dc52068ce2f40ce896ae34dc29791dbe86",
                4856,
                "doc",
                url=_raw(*_SPANS, "ACL2022/README.md"),
            ),
            DataFile(
                "UPSTREAM_LICENSE",
                "a2010f343487d3f7618affe54f789f5487602331c0a8d03f49e9a7c547cf0499",
                7048,
                "doc",
                url=_raw(*_SPANS, "LICENSE"),
            ),
        ),
        variants=(("standard", ("comments.csv", "annotations.csv", "spans.csv")),),
        labels=(TOXICITY, INSULT, IDENTITY_ATTACK, THREAT, PROFANITY),
        label_mapping=(
            (
                TOXICITY,
                "1 for posts where a strict majority of raters did not tick 'not toxic'; all other posts "
                "(majority 'not toxic', and ties) are dropped: a positive-only set",
            ),
            (
                INSULT,
                "1 if some character lies inside an Insult span of a strict majority of the post's raters "
                "(spans of raters who ticked 'not toxic' do not count), else NaN",
            ),
            (
                IDENTITY_ATTACK,
                "1 if some character lies inside an 'Identity based Attack' span of a strict majority of the "
                "post's raters (same rule), else NaN",
            ),
            (THREAT, "1 if some character lies inside a Threat span of a strict majority (same rule), else NaN"),
            (PROFANITY, "1 if some character lies inside a Profane/Obscene span of a strict majority (same rule), else NaN"),
        ),
        extra_columns=("n_raters", "insult_share", "identity_attack_share", "threat_share", "profanity_share"),
        license="CC0 1.0",
        commercial_use=True,
        license_note="CC0 waives all rights; the underlying Civil Comments are CC0 too.",
        homepage="https://github.com/ipavlopoulos/toxic_spans",
        source=f"{_SPANS[0]}@{_SPANS[1]} data/ and SemEval2021/data/",
        citation="Pavlopoulos, J., Laugier, L., Xenos, A., Sorensen, J., Androutsopoulos, I. (2022). From the "
        "Detection of Toxic Spans in Online Discussions to the Analysis of Toxic-to-Civil Transfer. ACL 2022.",
        quirks=(
            "Every post was rated toxic in Civil Comments: there are no clean negatives.",
            "Three span types are truncated ('Insu', 'Identity based '); they are read as the type they begin; "
            "14 spans have an empty type and are ignored.",
        ),
    ),
    Dataset(
        id="wikipedia_identity",
        folder="wikipedia-toxicity-identity-testset",
        title="Wikipedia Toxicity identity-term test sets (non-fuzzed and fuzzed), Dixon et al. 2018",
        domain="English Wikipedia talk-page comments containing identity terms",
        kind="abuse",
        files=(
            DataFile(
                "toxicity_nonfuzzed_testset.csv",
                "c11caefa0c487cb7a7fc0726cb53358d4e5463bd071d65979398af59fa80f881",
                943090,
                url=_raw(*_WIKI, f"{_WIKI_DIR}/toxicity_nonfuzzed_testset.csv"),
            ),
            DataFile(
                "toxicity_fuzzed_testset.csv",
                "382f8698edc67dc0ebd521406d9b4fb27b0192a0d09559503bd965609382685c",
                948245,
                url=_raw(*_WIKI, f"{_WIKI_DIR}/toxicity_fuzzed_testset.csv"),
            ),
        ),
        variants=(
            ("nonfuzzed", ("toxicity_nonfuzzed_testset.csv",)),
            ("fuzzed", ("toxicity_fuzzed_testset.csv",)),
        ),
        labels=(TOXICITY,),
        label_mapping=((TOXICITY, "toxic == 'True' (majority of ~10 raters)"),),
        license="Apache-2.0 (repository); CC0 (labels); CC BY-SA 3.0 (Wikipedia comment text)",
        commercial_use=False,
        license_note="Evaluation only: the rows come from the parent dataset's test split and the texts are "
        "Wikipedia content under CC BY-SA 3.0 (share-alike).",
        homepage=f"https://github.com/conversationai/unintended-ml-bias-analysis/tree/main/{_WIKI_DIR}",
        source=f"{_WIKI[0]}@{_WIKI[1]} {_WIKI_DIR}/",
        citation="Dixon, L., Li, J., Sorensen, J., Thain, N., Vasserman, L. (2018). Measuring and Mitigating "
        "Unintended Bias in Text Classification. AIES 2018.",
        quirks=("The fuzzed file swaps identity terms in 734 of the 1,492 comments; same ids and labels.",),
    ),
    Dataset(
        id="jigsaw",
        folder="jigsaw-toxic-comments-subsets",
        title="Jigsaw Toxic Comment Classification (2018): two public subsets",
        domain="English Wikipedia talk-page comments",
        kind="abuse",
        files=(
            DataFile(
                "robtest_jigsaw_balanced.csv",
                "f54e6ff95df9fdcaa7e26b09fd7b28150d730975cd9763b402a6c4a90c847daa",
                3494212,
            ),
            DataFile(
                "jigsaw_sample_5k_lowercased.csv",
                "d0be418fbf09bc23dc44db68ca0c57a8b279e28389f177124bff2f1278e0a59f",
                1284901,
            ),
        ),
        variants=(("standard", ("robtest_jigsaw_balanced.csv", "jigsaw_sample_5k_lowercased.csv")),),
        labels=(TOXICITY,),
        label_mapping=((TOXICITY, "toxic (0/1), both subsets"),),
        license="CC0 (challenge data); CC BY-SA 3.0 (Wikipedia comment text)",
        commercial_use=False,
        license_note="The labels are CC0 but the texts are Wikipedia talk-page content under CC BY-SA 3.0 "
        "(share-alike), and the two repositories the subsets come from state no license of their own: "
        "research and evaluation only.",
        homepage="https://www.kaggle.com/c/jigsaw-toxic-comment-classification-challenge/data",
        source=f"{_ROBTEST[0]}@{_ROBTEST[1]} data/jigsaw/test.csv (header added); "
        f"{_AK[0]}@{_AK[1]} toxic_comments.csv; rows also found in an evaluation set removed (see the MANIFEST)",
        citation="Jigsaw / Conversation AI (2018). Toxic Comment Classification Challenge. Kaggle.",
        fetch_note="The staged files are the upstream subsets with a few rows removed (texts that also occur in an "
        "evaluation set), so no upstream URL serves these bytes: copy the folder from the project's shared data. "
        "The full data is on Kaggle (account needed).",
        quirks=(
            "group is the subset: 'robtest' (12,176 rows, balanced 50/50 by its authors' sampling: its base rate "
            "says nothing about real traffic) or 'sample' (4,963 rows, about the natural rate, lower-cased upstream).",
            "Only the binary toxic label; the six fine-grained Jigsaw labels are not in these copies.",
            "Wikipedia talk is not news comments: toxicity there is mostly personal attacks on editors and profanity.",
        ),
    ),
    Dataset(
        id="ucc_unlabeled",
        folder="ucc-train-comments-unlabeled",
        title="Unhealthy Comments Corpus, train split texts only (no labels)",
        domain="reader comments on The Globe and Mail opinion articles (news comments)",
        kind="unlabeled",
        files=(
            DataFile(
                "train_comments.csv",
                "5b1d65962848e51eff2d6e269dbc6449032f3a8af3ac4d000f7bb7922b7849c2",
                4049880,
            ),
        ),
        variants=(("standard", ("train_comments.csv",)),),
        labels=(),
        label_mapping=(),
        license="CC BY-NC-SA 4.0",
        commercial_use=False,
        license_note="The texts of the UCC train split, under the UCC's license: non-commercial and share-alike.",
        homepage="https://github.com/conversationai/unhealthy-conversations/tree/master/corpus",
        source=f"{_UCC_TEXTS[0]}@{_UCC_TEXTS[1]} misc/extracted_txt/train_comments.txt (one comment a line), "
        "staged as CSV without empty lines and without 49 texts that also occur in an evaluation set",
        citation="Price, I. et al. (2020). Six Attributes of Unhealthy Conversations. WOAH 2020.",
        fetch_note="Staged from a text file (one comment a line) as CSV with texts removed, so no upstream URL "
        "serves these bytes: copy the folder from the project's shared data.",
        quirks=(
            "No labels at all: ordinary news comments, most of them civil (UCC's labeled splits are ~93% healthy, "
            "2.4% hostile). Not a clean negative set.",
            "About 24 texts also occur in UCC test.csv and 23 in val.csv: drop them when evaluating on those.",
        ),
    ),
)

_BY_ID = {entry.id: entry for entry in _CATALOGUE}


def catalogue() -> list[Dataset]:
    """Every dataset of the catalogue, spam sets first.

    Returns
    -------
    list of Dataset
        A new list on every call; the entries themselves are immutable.

    Examples
    --------
    >>> from moderation.datasets import catalogue
    >>> [d.id for d in catalogue()][:3]
    ['youtube', 'sms', 'instagram']
    """
    return list(_CATALOGUE)


def get(name: str) -> Dataset:
    """The catalogue entry called `name`.

    Parameters
    ----------
    name : str
        A dataset id such as ``"olid"``.

    Returns
    -------
    Dataset

    Raises
    ------
    DatasetError
        If no dataset has that id; the message lists the known ids.

    Examples
    --------
    >>> from moderation.datasets import get
    >>> get("ucc").license
    'CC BY-NC-SA 4.0'
    """
    try:
        return _BY_ID[name]
    except (KeyError, TypeError):
        known = ", ".join(_BY_ID)
        raise DatasetError(f"unknown dataset {name!r}; known datasets: {known}") from None
