// IVFIndex+ProbeGroups: a batch's probes turned list by list (the queries of each list), and the lists shared among workers by work.
import LinearAlgebra

extension IVFIndex {
    /// The probes of a block of queries inverted: list `l` is probed by the queries
    /// `members[start[l] ..< start[l + 1]]`, in query order (a CSR table).
    struct ProbeGroups: Sendable {
        let start: [Int]
        let members: [Int32]

        /// From the coarse search's `[nq x nprobe]` list ids (−1: no list).
        init(_ coarse: SearchResult, queryCount nq: Int, listCount nlist: Int) {
            let np = coarse.k
            var start = [Int](repeating: 0, count: nlist + 1)
            for l in coarse.ids where l >= 0 { start[l + 1] += 1 }
            for l in 0..<nlist { start[l + 1] += start[l] }
            var members = [Int32](repeating: 0, count: start[nlist])
            var cursor = Array(start.dropLast())
            for q in 0..<nq {
                for j in 0..<np {
                    let l = coarse.ids[q * np + j]
                    guard l >= 0 else { continue }
                    members[cursor[l]] = Int32(q)
                    cursor[l] += 1
                }
            }
            self.start = start
            self.members = members
        }

        /// Queries probing list `l`: positions in `members`.
        func queries(of l: Int) -> Range<Int> { start[l]..<start[l + 1] }
    }

    /// Runs `scan` (which returns one heap per query, most empty) over contiguous ranges of lists
    /// of about equal work (queries x rows), one range per worker when the work is worth more than
    /// one thread (`parallelWork` multiply-adds), and merges the workers' heaps query by query.
    func byList(_ groups: ProbeGroups, queryCount nq: Int, scan: (Range<Int>) -> [TopK]) -> [TopK] {
        let nlist = listCount
        var work = [Int](repeating: 0, count: nlist)
        var total = 0
        for l in 0..<nlist {
            work[l] = groups.queries(of: l).count * parts.reduce(0) { $0 + $1.size(of: l) }
            total += work[l]
        }
        let workers = total * dimension < Self.parallelWork ? 1 : max(1, min(BLASThreads.count, 8, nlist))
        guard workers > 1 else { return scan(0..<nlist) }
        var bounds = [0]
        var acc = 0
        for l in 0..<nlist {
            acc += work[l]
            if bounds.count < workers && acc * workers >= total * bounds.count { bounds.append(l + 1) }
        }
        while bounds.count <= workers { bounds.append(nlist) }
        bounds[workers] = nlist

        var partial = [[TopK]](repeating: [], count: workers)
        partial.withUnsafeMutableBufferPointer { out in
            // Worker w writes only out[w].
            BLASThreads.parallel(workers) { w in out[w] = scan(bounds[w]..<bounds[w + 1]) }
        }
        var heaps = partial[0]
        for w in 1..<workers {
            for q in 0..<nq {
                for e in partial[w][q].sorted() { heaps[q].push(score: e.score, id: e.id) }
            }
        }
        return heaps
    }
}
