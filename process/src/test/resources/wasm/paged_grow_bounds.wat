;; PagedMemory end-to-end fixture: memory.grow, then loads at and just past the old and new
;; bounds. 1 page initially, at most 4 declared.
(module
  (memory (export "memory") 1 4)
  (func (export "size") (result i32) memory.size)
  (func (export "grow") (param $delta i32) (result i32)
    local.get $delta
    memory.grow)
  (func (export "load8") (param $addr i32) (result i32)
    local.get $addr
    i32.load8_u)
  (func (export "load32") (param $addr i32) (result i32)
    local.get $addr
    i32.load)
  (func (export "load64") (param $addr i32) (result i64)
    local.get $addr
    i64.load)
  ;; a static offset on the instruction: the effective address is addr + 65536
  (func (export "load32_off64k") (param $addr i32) (result i32)
    local.get $addr
    i32.load offset=65536)
  (func (export "store32") (param $addr i32) (param $value i32)
    local.get $addr
    local.get $value
    i32.store))
