/**
 * The guest ABI: Lunatic's {@code lunatic::*} and Weft's {@code weft::*} host functions on Chicory,
 * WASI wiring and the guest SDKs. Nothing here yet (see the Wasm processes issue).
 */
package dev.weft.hostapi;
