// AlignedStorage: a 64-byte aligned buffer freed with its owner, for weights packed once and read by the kernels afterwards.
/// `count` elements (at least one allocated), cache-line aligned, deallocated on deinit. Not
/// initialised: the owner writes every element it reads.
final class AlignedStorage<Element> {
    let pointer: UnsafeMutablePointer<Element>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * MemoryLayout<Element>.stride, alignment: 64)
            .bindMemory(to: Element.self, capacity: max(1, count))
    }

    deinit { pointer.deallocate() }
}
