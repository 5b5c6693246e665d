import Foundation
// TEMPORARY (replaced by the model-file branch)
extension Sequential { public func save(to url: URL) throws {} }
