// The `recurrent` tool: everything it does lives in RecurrentCommands, where tests can call it.
import RecurrentCommands

RecurrentCommand.main()
