// Package pty opens Linux pseudo-terminal pairs without cgo, so the
// emulator can offer a serial TNC that a station opens like hardware.
package pty

import (
	"fmt"
	"os"
	"syscall"
	"unsafe"
)

// Open returns the master side and the path of the slave side, set to raw
// mode (no echo, no line discipline: bytes pass untouched).
func Open() (*os.File, string, error) {
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		return nil, "", err
	}
	var unlock int32
	if err := ioctl(m.Fd(), syscall.TIOCSPTLCK, uintptr(unsafe.Pointer(&unlock))); err != nil {
		m.Close()
		return nil, "", fmt.Errorf("pty: unlock: %w", err)
	}
	var n uint32
	if err := ioctl(m.Fd(), syscall.TIOCGPTN, uintptr(unsafe.Pointer(&n))); err != nil {
		m.Close()
		return nil, "", fmt.Errorf("pty: number: %w", err)
	}
	name := fmt.Sprintf("/dev/pts/%d", n)
	s, err := os.OpenFile(name, os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		m.Close()
		return nil, "", err
	}
	defer s.Close()
	if err := raw(s.Fd()); err != nil {
		m.Close()
		return nil, "", err
	}
	if err := raw(m.Fd()); err != nil {
		m.Close()
		return nil, "", err
	}
	// hand the master to Go's poller: reads and writes then honour
	// deadlines and Close, instead of blocking a thread forever in write(2)
	// when nobody reads the other side
	fd, err := syscall.Dup(int(m.Fd()))
	m.Close()
	if err != nil {
		return nil, "", err
	}
	if err := syscall.SetNonblock(fd, true); err != nil {
		syscall.Close(fd)
		return nil, "", err
	}
	return os.NewFile(uintptr(fd), "/dev/ptmx"), name, nil
}

// raw is cfmakeraw.
func raw(fd uintptr) error {
	var t syscall.Termios
	if err := ioctl(fd, syscall.TCGETS, uintptr(unsafe.Pointer(&t))); err != nil {
		return fmt.Errorf("pty: get attributes: %w", err)
	}
	t.Iflag &^= syscall.IGNBRK | syscall.BRKINT | syscall.PARMRK | syscall.ISTRIP | syscall.INLCR | syscall.IGNCR | syscall.ICRNL | syscall.IXON
	t.Oflag &^= syscall.OPOST
	t.Lflag &^= syscall.ECHO | syscall.ECHONL | syscall.ICANON | syscall.ISIG | syscall.IEXTEN
	t.Cflag &^= syscall.CSIZE | syscall.PARENB
	t.Cflag |= syscall.CS8
	t.Cc[syscall.VMIN], t.Cc[syscall.VTIME] = 1, 0
	if err := ioctl(fd, syscall.TCSETS, uintptr(unsafe.Pointer(&t))); err != nil {
		return fmt.Errorf("pty: set attributes: %w", err)
	}
	return nil
}

func ioctl(fd, req, arg uintptr) error {
	if _, _, e := syscall.Syscall(syscall.SYS_IOCTL, fd, req, arg); e != 0 {
		return e
	}
	return nil
}
