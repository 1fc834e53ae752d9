import FlowConvert

extension BenchResults {
    /// Prints the table of the results on stdout and, when `directory` is given, writes their files there
    /// (results.csv, results.json, SVG charts; exit 1 when it cannot).
    public func report(writingTo directory: String?) {
        print(table(), terminator: "")
        if let directory {
            do {
                try write(to: directory)
            } catch {
                fail("\(error)", code: 1)
            }
            printError("results written to \(directory)/ (results.csv, results.json, *.svg)")
        }
    }
}
