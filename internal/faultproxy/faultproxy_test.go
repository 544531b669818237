package faultproxy

import (
	"bufio"
	"net"
	"testing"
)

// echo serves one line back per connection.
func echo(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				c.Write([]byte(line))
			}()
		}
	}()
	return ln.Addr().String()
}

func roundTrip(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if _, err := c.Write([]byte("hi\n")); err != nil {
		return err
	}
	_, err = bufio.NewReader(c).ReadString('\n')
	return err
}

func TestCutAndRestore(t *testing.T) {
	p := New(t, echo(t), true)
	if err := roundTrip(p.Addr()); err == nil {
		t.Fatal("a proxy that starts cut accepted a connection")
	}
	p.Restore()
	if err := roundTrip(p.Addr()); err != nil {
		t.Fatalf("restored: %v", err)
	}
	held, err := net.Dial("tcp", p.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	p.Cut()
	if err := roundTrip(p.Addr()); err == nil {
		t.Fatal("a cut proxy accepted a connection")
	}
	held.Write([]byte("x\n"))
	if _, err := bufio.NewReader(held).ReadString('\n'); err == nil {
		t.Error("a connection open across the cut still works")
	}
	p.Restore()
	if err := roundTrip(p.Addr()); err != nil {
		t.Fatalf("restored again: %v", err)
	}
}
