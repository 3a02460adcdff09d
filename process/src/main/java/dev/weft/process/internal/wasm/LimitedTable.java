package dev.weft.process.internal.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.UninstantiableException;
import com.dylibso.chicory.wasm.types.Table;
import dev.weft.process.ExitReason;

/**
 * A Wasm table that never holds more than a set number of elements: a module whose table starts
 * larger cannot be instantiated, and {@code table.grow} beyond the cap returns -1, as beyond the
 * table's declared maximum. (Lunatic caps tables below 100,000 elements; without a cap, a guest's
 * {@code table.grow} could fill the host's heap.)
 */
public final class LimitedTable extends TableInstance {

    private final int maxElements;

    /** @throws UninstantiableException if the table starts with more than {@code maxElements} */
    public LimitedTable(Table table, int initialRef, int maxElements) {
        super(check(table, maxElements), initialRef);
        this.maxElements = maxElements;
    }

    private static Table check(Table table, int maxElements) {
        if (table.limits().min() > maxElements) {
            throw new LimitExceededException(ExitReason.Limit.TABLE_ELEMENTS, maxElements, "table of "
                    + table.limits().min()
                    + " elements exceeds the limit of " + maxElements + " elements");
        }
        return table;
    }

    @Override
    public int grow(int size, int value, Instance instance) {
        if (size < 0 || (long) size() + size > maxElements) {
            return -1;
        }
        return super.grow(size, value, instance);
    }
}
