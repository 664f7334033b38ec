/**
 * The few types every layer of the runtime shares, below all of them (this package names no other package of
 * the runtime): the failure a user sees ({@link dev.contain.runtime.base.ContainerError}), progress lines
 * ({@link dev.contain.runtime.base.Progress}), signal names ({@link dev.contain.runtime.base.Signals}), where
 * the engine keeps things ({@link dev.contain.runtime.base.EngineConfig}, {@link dev.contain.runtime.base.IdConfig})
 * and an exec's request ({@link dev.contain.runtime.base.ExecOptions}, read whole by the exec planner). The
 * engine's API takes and throws them, so the CLI uses them too.
 */
package dev.contain.runtime.base;
