// AlignedStorage: a 64-byte aligned buffer freed with its owner: weights packed once, a worker's scratch.
/// `count` elements (at least one allocated), cache-line aligned, deallocated on deinit. Not
/// initialised: the owner writes every element it reads.
package final class AlignedStorage<Element> {
    package let pointer: UnsafeMutablePointer<Element>
    package let count: Int

    package init(count: Int) {
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Element>.stride, alignment: 64)
            .bindMemory(to: Element.self, capacity: max(1, count))
    }

    deinit { pointer.deallocate() }
}
