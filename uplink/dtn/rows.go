package dtn

import (
	"fmt"
	"strings"
	"time"
)

// Row is a bundle a node holds, as operators see it.
type Row struct {
	Node   string    `json:"node"` // the station or drone holding it
	ID     string    `json:"id"`
	Src    string    `json:"src"`
	Dst    string    `json:"dst"`
	Bytes  int       `json:"bytes"`
	State  string    `json:"state"` // queued, in flight, delivered, expired
	Route  string    `json:"route"` // the planned hops, or why there is none
	Expiry time.Time `json:"expiry,omitzero"`
}

// Rows lists the bundles n holds at now, named name, with their state
// and planned route.
func (n *Node) Rows(name string, now time.Time) []Row {
	entries, routes := n.Routes(now)
	contacts := n.Router().Contacts
	var out []Row
	for _, e := range entries {
		row := Row{Node: name, ID: e.ID, Src: e.Source, Dst: e.Dest, Bytes: e.Size, Expiry: e.Expires, State: "queued"}
		switch {
		case e.DestNode == n.Num:
			row.State, row.Route = "delivered", "here"
		case !e.Expires.IsZero() && now.After(e.Expires):
			row.State = "expired"
		}
		if a, ok := routes[e.ID]; ok && row.State == "queued" {
			if a.Route == nil {
				row.Route = "no route: " + a.Reason
			} else {
				var hops []string
				for _, h := range a.Route.Hops {
					if h.Contact >= 0 && h.Contact < len(contacts) {
						c := contacts[h.Contact]
						hops = append(hops, fmt.Sprintf("%d→%d %s", c.From, c.To, h.Depart.UTC().Format("15:04")))
						if !now.Before(c.Start) && now.Before(c.End) && len(hops) == 1 {
							row.State = "in flight"
						}
					}
				}
				row.Route = strings.Join(hops, ", ")
			}
		}
		out = append(out, row)
	}
	return out
}
