import Foundation

/// A file (or folder, path ending in `/`) a dataset may have, with the checksums of its known copies.
public struct KnownFile: Sendable {
    /// Relative to the dataset's folder.
    public var path: String
    /// The size of the known copy, when there is one.
    public var bytes: Int?
    /// The file is a known copy when any of these matches.
    public var digests: [FileDigest]
    /// What this copy is (e.g. "Stanford's original archive").
    public var note: String?
    /// For a folder: the files inside it that are checked.
    public var contents: [KnownFile]

    public init(_ path: String, bytes: Int? = nil, _ digests: FileDigest..., note: String? = nil, contents: [KnownFile] = []) {
        self.path = path
        self.bytes = bytes
        self.digests = digests
        self.note = note
        self.contents = contents
    }

    public var isFolder: Bool { path.hasSuffix("/") }
}

/// Something a dataset needs, and the files that provide it (any one of `alternatives` is enough).
public struct FileRequirement: Sendable {
    public var what: String
    public var alternatives: [KnownFile]
}

/// A file `recurrent datasets download` fetches, and the checksum that must match.
public struct DatasetDownload: Sendable {
    public var url: URL
    /// Where it goes, relative to the dataset's folder.
    public var path: String
    public var digest: FileDigest
    /// Where the expected checksum comes from.
    public var digestSource: String
}

/// What Recurrent knows about one dataset's files: what it needs, the checksums of the known
/// copies (from the `SOURCE.md` of each dataset and the publishers), and where to download them.
public struct DatasetCatalogEntry: Sendable {
    public var name: DatasetName
    public var title: String
    public var requirements: [FileRequirement]
    /// Empty when the files cannot be fetched without a login (`manualSteps` says how).
    public var downloads: [DatasetDownload]
    public var manualSteps: String?
}

/// The catalogue of the lecture's datasets.
///
/// Download sources (canonical public URLs):
/// - nsmc: the official files of github.com/e9t/nsmc (raw.githubusercontent.com, branch master);
///   SHA-256 from nsmc/SOURCE.md (the files there are byte-identical to upstream's git blobs).
/// - imdb: Stanford's `https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz` (84 MB,
///   with the unlabelled reviews, which the loader skips), MD5 `7c2ac02c…` as published in the
///   download tables of PaddlePaddle's and DAI-Lab/fibber's dataset code (no SHA-256 is published);
///   and Keras's `imdb_word_index.json` from storage.googleapis.com/tensorflow/tf-keras-datasets,
///   MD5 `bfafd718…` from keras/src/datasets/imdb.py.
/// - reuters: UCI's `reuters21578.tar.gz` (Distribution 1.0), MD5 `a22faadd…` as a benchmark script
///   of anacrolix/various checks it for the same archive at daviddlewis.com.
/// - sms_spam, nyt_articles: Kaggle datasets, which need a Kaggle login: not downloaded; `manualSteps`
///   says how to get them.
public enum DatasetCatalog {
    public static func entry(_ name: DatasetName) -> DatasetCatalogEntry {
        all.first { $0.name == name }!
    }

    public static let all: [DatasetCatalogEntry] = [nsmc, imdb, reuters, smsSpam, nytArticles]

    static let nsmc = DatasetCatalogEntry(
        name: .nsmc, title: "Naver sentiment movie corpus v1.0 (e9t/nsmc)",
        requirements: [
            FileRequirement(what: "train", alternatives: [.init(
                "ratings_train.txt", bytes: 14_628_807,
                .sha256("e03b7d14e9e41be8d464a28057cd25d7396c53e67aa7fd5f7e552c59b0ee2940"))]),
            FileRequirement(what: "test", alternatives: [.init(
                "ratings_test.txt", bytes: 4_893_335,
                .sha256("8ac9f64052f11dbf6ae0acb5e038f03d90a76f0eda7820cfb3a92d02edfcebda"))]),
        ],
        downloads: ["ratings_train.txt", "ratings_test.txt"].map { file in
            DatasetDownload(
                url: URL(string: "https://raw.githubusercontent.com/e9t/nsmc/master/\(file)")!, path: file,
                digest: file == "ratings_train.txt"
                    ? .sha256("e03b7d14e9e41be8d464a28057cd25d7396c53e67aa7fd5f7e552c59b0ee2940")
                    : .sha256("8ac9f64052f11dbf6ae0acb5e038f03d90a76f0eda7820cfb3a92d02edfcebda"),
                digestSource: "nsmc/SOURCE.md (byte-identical to e9t/nsmc at cc0670e8)")
        })

    static let imdb = DatasetCatalogEntry(
        name: .imdb, title: "IMDB Large Movie Review Dataset v1.0 (aclImdb) + Keras word index",
        requirements: [
            FileRequirement(what: "reviews", alternatives: [
                .init("aclImdb/", note: "extracted folder (not checksummed; the loader checks the counts)"),
                .init("aclImdb_v1_labeled.tar.gz", bytes: 28_631_016,
                      .sha256("3c27c84c5b647935a2b44ee9c5b3fc302d26b6d268caf4c6a360aa7cb1f5fce7"),
                      note: "labelled part, repacked (imdb/SOURCE.md)"),
                .init("aclImdb_v1.tar.gz", bytes: 84_125_825, .md5("7c2ac02c03563afcf9b574c7e56c153a"),
                      note: "Stanford's archive"),
            ]),
            FileRequirement(what: "word index", alternatives: [
                .init("imdb_word_index.json",
                      .sha256("9ce86165dbfd92a09e3558794c377872eba6af8baec07fdfa3b61ecf2518c6e4"),
                      .md5("bfafd718b763782e994055a2d397834f"),
                      note: "Keras's file, or the re-indented copy of imdb/SOURCE.md"),
            ]),
        ],
        downloads: [
            DatasetDownload(
                url: URL(string: "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz")!,
                path: "aclImdb_v1.tar.gz", digest: .md5("7c2ac02c03563afcf9b574c7e56c153a"),
                digestSource: "MD5 published with the archive's URL in PaddlePaddle's and DAI-Lab/fibber's dataset code"),
            DatasetDownload(
                url: URL(string: "https://storage.googleapis.com/tensorflow/tf-keras-datasets/imdb_word_index.json")!,
                path: "imdb_word_index.json", digest: .md5("bfafd718b763782e994055a2d397834f"),
                digestSource: "keras/src/datasets/imdb.py (get_word_index file_hash)"),
        ])

    static let reuters = DatasetCatalogEntry(
        name: .reuters, title: "Reuters-21578, Distribution 1.0 (SGML)",
        requirements: [
            FileRequirement(what: "SGML files", alternatives: [
                .init("reuters21578/", note: "folder of the distribution (reuters/SOURCE.md)", contents: reutersFiles),
                .init("reuters21578.tar.gz", .md5("a22faadd7dde0dfdd784e60087209aa6"), note: "the distribution's archive"),
            ]),
        ],
        downloads: [
            DatasetDownload(
                url: URL(string: "https://archive.ics.uci.edu/ml/machine-learning-databases/reuters21578-mld/reuters21578.tar.gz")!,
                path: "reuters21578.tar.gz", digest: .md5("a22faadd7dde0dfdd784e60087209aa6"),
                digestSource: "MD5 checked by anacrolix/various (algorithms/benchmark/reuters.py) for the same archive"),
        ])

    static let smsSpam = DatasetCatalogEntry(
        name: .smsSpam, title: "SMS Spam Collection, Kaggle spam.csv",
        requirements: [
            FileRequirement(what: "messages", alternatives: [.init(
                "spam.csv", bytes: 503_663, .sha256("440e6ea9fa825578abfdd7b7932ef8393d72ef86c0c33f64676705ce40b1dfc2"))]),
        ],
        downloads: [],
        manualSteps: """
            Kaggle needs a login, so `recurrent` cannot fetch this file. Either
              - open https://www.kaggle.com/datasets/uciml/sms-spam-collection-dataset, press Download, and
                unzip spam.csv into FOLDER, or
              - with the Kaggle CLI (an API token in ~/.kaggle/kaggle.json):
                kaggle datasets download -d uciml/sms-spam-collection-dataset -p FOLDER --unzip
            Expected: spam.csv, 503,663 bytes, sha256 440e6ea9fa825578abfdd7b7932ef8393d72ef86c0c33f64676705ce40b1dfc2
            (`recurrent datasets list` checks it). The UCI original (SMSSpamCollection, tab-separated) is another format.
            """)

    static let nytArticles = DatasetCatalogEntry(
        name: .nytArticles, title: "NYT comments dataset (Kaggle aashita/nyt-comments), Articles*.csv",
        requirements: nytFiles.map { FileRequirement(what: "articles", alternatives: [$0]) },
        downloads: [],
        manualSteps: """
            Kaggle needs a login, so `recurrent` cannot fetch these files. Either
              - open https://www.kaggle.com/datasets/aashita/nyt-comments, press Download, and put the nine
                Articles*.csv files (not the large Comments*.csv) into FOLDER, or
              - with the Kaggle CLI (an API token in ~/.kaggle/kaggle.json), one file at a time:
                kaggle datasets download -d aashita/nyt-comments -f ArticlesApril2018.csv -p FOLDER
                (unzip it if it arrives as ArticlesApril2018.csv.zip; repeat for the other Articles files)
            The lecture needs only ArticlesApril2018.csv (692,963 bytes). `recurrent datasets list` checks the files.
            """)

    static let nytFiles: [KnownFile] = [
        .init("ArticlesJan2017.csv", bytes: 412_840, .sha256("9ac0a0f1cb9308ae0c40a96bc220c39c489f3cd14de71eda71e70acf31d89cc6")),
        .init("ArticlesFeb2017.csv", bytes: 430_986, .sha256("ae355eb3a3a6dbfdfe3e3b420f2a1605903a768f8937fff073937c2f5ad468c8")),
        .init("ArticlesMarch2017.csv", bytes: 461_113, .sha256("d1cef0001b87f0e09d94328d86e2219be8ce08ab27b7a7582fb9122d90bdad3b")),
        .init("ArticlesApril2017.csv", bytes: 429_015, .sha256("459cec4eb2ade7661a109de896a7e6badbaae8c060dc56a912594aaae5c20d0d")),
        .init("ArticlesMay2017.csv", bytes: 494_124, .sha256("c8fc7d6fba50d8af044b2d7d7aa9a4bd0bab9cdb9099f9d0b02734e32b120073")),
        .init("ArticlesJan2018.csv", bytes: 460_669, .sha256("796d3db7c51952b59d2543f41f35c7cab4a8ce1892ff2e0834f71cf41b25786d")),
        .init("ArticlesFeb2018.csv", bytes: 594_979, .sha256("a0ab31d07002d98635a13292fd08edba5580de9bd80a56c4bf89a64adda3d560")),
        .init("ArticlesMarch2018.csv", bytes: 718_307, .sha256("a93801c72ef7bb57c03830a4704313c0d9f7997b1a839d1f1fdebe0ed97e2ce9")),
        .init("ArticlesApril2018.csv", bytes: 692_963, .sha256("da7bacf7f7fffd5f75e1b0ab4064a058045120688d04f94dc46fd6e671f6baf3")),
    ]

    static let reutersFiles: [KnownFile] = [
        .init("reuters21578/README.txt", bytes: 36_388, .sha256("eb669045dd883c56cb5a96da1848c3380bc6371894c5663709a46776e3262a96")),
        .init("reuters21578/all-exchanges-strings.lc.txt", bytes: 186, .sha256("294fd95a1b39ad6ad620275437498873399a6d8d01d62ef191d8893c2c27395f")),
        .init("reuters21578/all-orgs-strings.lc.txt", bytes: 316, .sha256("c628b46661d0c3cbb712e83048caec00fd5ca077bf6641fd90bb26794558fa4d")),
        .init("reuters21578/all-people-strings.lc.txt", bytes: 2_474, .sha256("955ad731df714a4abe878285fc8f0e27117de161b4ebfee299e05b3f5942f8e4")),
        .init("reuters21578/all-places-strings.lc.txt", bytes: 1_721, .sha256("508288f57c5b25fcc90bd8471f97ccc3cd3cf96a3a6e761374ad864a1f729c85")),
        .init("reuters21578/all-topics-strings.lc.txt", bytes: 1_005, .sha256("f905159a05733e2fd3c99e34d86ac1691582510af14d779c26829e75a117ac42")),
        .init("reuters21578/cat-descriptions_120396.txt", bytes: 28_194, .sha256("70ae663742b7f94217c9dc8b2741a07c339fd272460f17523aed683b5ad7ee1f")),
        .init("reuters21578/feldman-cia-worldfactbook-data.txt", bytes: 273_802, .sha256("1a04607b98f5f5a7479833e3405bdd53b1006d83602538e61a5d43f68315121a")),
        .init("reuters21578/lewis.dtd", bytes: 1_485, .sha256("8952ac0f68aa7ccf73f395654541ebf6650ab24681746ff103df4c1ac24b64e9")),
        .init("reuters21578/reut2-000.sgm", bytes: 1_324_350, .sha256("0ec53cda8f6d605a3ba710df14be7f00fc02f0c222a14748101df22326afe0f6")),
        .init("reuters21578/reut2-001.sgm", bytes: 1_254_440, .sha256("1528e7e82d110d88d0234eb9619eadb7f9fd805711971df05975b92277dfdf4d")),
        .init("reuters21578/reut2-002.sgm", bytes: 1_217_495, .sha256("99f18068d0518952987dedd78c622e5c2a584e357d264d3754696c815f3e6628")),
        .init("reuters21578/reut2-003.sgm", bytes: 1_298_721, .sha256("78a3a8d7e04bc9d42c4614d5d5c60a4293dbe3f708df6fb5a71d9ef31f4b3fa3")),
        .init("reuters21578/reut2-004.sgm", bytes: 1_321_623, .sha256("726342c19a65873330b412378cd6a3f0d512035f5223146ddd60930c62eb6ff0")),
        .init("reuters21578/reut2-005.sgm", bytes: 1_388_644, .sha256("d09de619b6dd2d047d5124681f6df90550abaf592020d1c1ce338ae9b91522e7")),
        .init("reuters21578/reut2-006.sgm", bytes: 1_254_765, .sha256("b5535c0d66b01f4976f84621a4a795afbc00d2c4bd0a1b7ae426df6630fb361d")),
        .init("reuters21578/reut2-007.sgm", bytes: 1_256_772, .sha256("aa706007ec84a03537a3921ca976d60e11b3f99e4b9e9b2d5c81dd384d2c2062")),
        .init("reuters21578/reut2-008.sgm", bytes: 1_410_117, .sha256("a3994583694a00b7c744097c1d7eabfcf90f2e6650cc21663e46828035a336cb")),
        .init("reuters21578/reut2-009.sgm", bytes: 1_338_903, .sha256("29995f606dd1a9bdf907eacc9d879846c716860d9d9141676979474aaea39c7d")),
        .init("reuters21578/reut2-010.sgm", bytes: 1_371_071, .sha256("996df6008089bd09fa5b28a4d2eb0ee5f7b9d4601cde566fed3926ac82960fa3")),
        .init("reuters21578/reut2-011.sgm", bytes: 1_304_117, .sha256("d3a2782015247d9c2bffb8926267827fdd449c70d619435ef01a25a1c56a53ca")),
        .init("reuters21578/reut2-012.sgm", bytes: 1_323_584, .sha256("da31035d483851f2aebce5b66d779e5e2c0ac9dcfe098596c6d544e81c5604ab")),
        .init("reuters21578/reut2-013.sgm", bytes: 1_129_687, .sha256("8f7700bc0455fac3fcc12377ced4807b7df8aba1f21ecad059b9cc2b1cf0b8be")),
        .init("reuters21578/reut2-014.sgm", bytes: 1_128_671, .sha256("ef936bd3e0f36cf722afa9a6957563549775af32e9e28b4f539c8737ceda83ab")),
        .init("reuters21578/reut2-015.sgm", bytes: 1_258_665, .sha256("6d3bcec73eff871b8a5403588af814c4e50a0de6bc25707480522ab836f74026")),
        .init("reuters21578/reut2-016.sgm", bytes: 1_316_417, .sha256("be2f03a185fff70131f3b4fdbd6229b7ee2be077eba9691eaa597c8cfbda8812")),
        .init("reuters21578/reut2-017.sgm", bytes: 1_546_911, .sha256("f370e610b4b1342e41a98e0c426a08541044bd1d7e539674f32372a6060b73b5")),
        .init("reuters21578/reut2-018.sgm", bytes: 1_258_819, .sha256("a5f971bf25448e915781962309e669359a35fbcaf3017a806eca0590897f209a")),
        .init("reuters21578/reut2-019.sgm", bytes: 1_261_780, .sha256("d3b07097fba2633d130b4914aceba671645985248943ce9e39c289315339dffb")),
        .init("reuters21578/reut2-020.sgm", bytes: 1_049_566, .sha256("f6ad1b724125c202566c63b35ea0b5ee23881f8b7ed47a32829d5af05d8e860d")),
        .init("reuters21578/reut2-021.sgm", bytes: 621_648, .sha256("3f5196d32869723c9042aa5756805b4e90360f1f45ea17f4594fa0e2b3630b18")),
    ]
}
