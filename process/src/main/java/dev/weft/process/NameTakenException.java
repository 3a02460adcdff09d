package dev.weft.process;

/** Registering a name that another process holds. */
public final class NameTakenException extends IllegalStateException {

    private final String name;
    private final Pid holder;

    public NameTakenException(String name, Pid holder) {
        super("the name '" + name + "' is already registered to " + holder);
        this.name = name;
        this.holder = holder;
    }

    public String name() {
        return name;
    }

    public Pid holder() {
        return holder;
    }
}
