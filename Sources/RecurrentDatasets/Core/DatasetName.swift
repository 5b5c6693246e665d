/// The datasets of the lecture that Recurrent can load. The raw value is the dataset's folder name
/// inside the data directory (see `DataDirectory`) and the `NAME` of `recurrent datasets download NAME`.
public enum DatasetName: String, CaseIterable, Sendable, CustomStringConvertible {
    /// Naver sentiment movie corpus v1.0 (`nsmc/ratings_train.txt`, `nsmc/ratings_test.txt`); see `NSMC`.
    case nsmc
    /// Stanford Large Movie Review Dataset (aclImdb) and the Keras word index; see `IMDB`.
    case imdb
    /// Reuters-21578 Distribution 1.0 SGML files; see `Reuters`.
    case reuters
    /// Kaggle SMS Spam Collection `spam.csv`; see `SMSSpam`.
    case smsSpam = "sms_spam"
    /// NYT comments dataset, the `Articles*.csv` files; see `NYTHeadlines`.
    case nytArticles = "nyt_articles"

    public var description: String { rawValue }

    /// The command that fetches this dataset (or explains how to get it by hand).
    public var downloadCommand: String { "recurrent datasets download \(rawValue)" }
}
