package command

// ExampleDictionary is the drone command dictionary shipped in
// examples/commands.yaml, kept here for tests and the emulator's default.
const ExampleDictionary = `commands:
  - name: PING
    opcode: 0x0001
    description: answer with a verification, nothing else
  - name: SET_MODE
    opcode: 0x0101
    description: operating mode; science needs 40% battery
    args:
      - {name: mode, type: enum, values: [nominal, safe, science]}
  - name: SET_HK_PERIOD
    opcode: 0x0102
    description: housekeeping period
    args:
      - {name: seconds, type: uint16, min: 1, max: 3600, unit: s}
  - name: SET_HEATER
    opcode: 0x0103
    args:
      - {name: on, type: bool}
      - {name: setpoint, type: float32, min: -20, max: 40, unit: degC}
  - name: LOG
    opcode: 0x0104
    description: write a line into the onboard log
    args:
      - {name: text, type: string, max_len: 80}
  - name: REBOOT
    opcode: 0x01FF
    hazardous: true
    description: restart the onboard computer (store and counters survive)
`

// Default returns the parsed ExampleDictionary.
func Default() *Dictionary {
	d, err := ParseDictionary([]byte(ExampleDictionary), "built-in")
	if err != nil {
		panic(err) // a constant of this package: a broken one is a bug here
	}
	return d
}
